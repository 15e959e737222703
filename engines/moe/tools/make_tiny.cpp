// make-tiny: a small random DeepSeek-V3-architecture checkpoint with a tokenizer of our own.
#include <fstream>

#include "engines/moe/tokenizer/bpe_trainer.h"
#include "engines/moe/tokenizer/tokenizer.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {

void make_tiny(const std::filesystem::path& dir, const TinyOptions& options) {
  std::filesystem::create_directories(dir);
  const std::vector<std::string> corpus = builtin_bpe_corpus();
  const std::string tokenizer_json =
      train_bpe_tokenizer_json(corpus, {.vocab_size = options.vocab_size});
  const Tokenizer tokenizer = Tokenizer::from_json(tokenizer_json, "trained tokenizer");
  ModelConfig c = tiny_config(options.variant, tokenizer.vocab_size());
  c.bos_token_id = tokenizer.token_id("<｜begin▁of▁sentence｜>");
  c.eos_token_id = tokenizer.token_id("<｜end▁of▁sentence｜>");
  if (options.dtype == DType::f8_e4m3) {
    // Small blocks, so that even the tiny matrices span several of them.
    c.quantization = Fp8Quantization{.block_rows = 32, .block_cols = 32};
  }
  if (options.mtp) c.num_nextn_predict_layers = 1;
  std::ofstream(dir / "tokenizer.json") << tokenizer_json;
  write_random_checkpoint(dir, c,
                          {.dtype = options.dtype, .seed = options.seed, .mtp = options.mtp});
}

}  // namespace rbench::moe
