// DeepSeek config.json parsing. The fixtures are the config.json files published with the
// models, copied unchanged:
//   data/deepseek-v3-config.json       https://huggingface.co/deepseek-ai/DeepSeek-V3
//   data/deepseek-v2-lite-config.json  https://huggingface.co/deepseek-ai/DeepSeek-V2-Lite
// Each kind of bad config is made by editing one of them, and must be refused naming the key.
#include "engines/moe/checkpoint/config.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"

namespace rbench::moe {
namespace {

const std::filesystem::path kData =
    std::filesystem::path(RBENCH_SOURCE_DIR) / "tests" / "engines" / "data";
const std::filesystem::path kV3 = kData / "deepseek-v3-config.json";
const std::filesystem::path kV2Lite = kData / "deepseek-v2-lite-config.json";

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One edit of a config: set `key` (dotted for nested objects) to the JSON `value`, or remove it
// when value is empty.
struct Edit {
  std::string key;
  std::string value;
};

std::string edited(const std::filesystem::path& fixture, const std::vector<Edit>& edits) {
  rapidjson::Document doc;
  doc.Parse(read(fixture).c_str());
  for (const auto& [key, value] : edits) {
    rapidjson::Value* object = &doc;
    std::string name = key;
    if (const auto dot = key.find('.'); dot != std::string::npos) {
      object = &doc[key.substr(0, dot).c_str()];
      name = key.substr(dot + 1);
    }
    object->RemoveMember(name.c_str());
    if (value.empty()) continue;
    rapidjson::Document parsed(&doc.GetAllocator());
    parsed.Parse(value.c_str());
    rapidjson::Value v(parsed, doc.GetAllocator());
    object->AddMember(rapidjson::Value(name.c_str(), doc.GetAllocator()), v, doc.GetAllocator());
  }
  return json::to_string(doc);
}

TEST(MoeConfig, DeepSeekV3AsPublished) {
  const ModelConfig c = load_config(kV3);
  EXPECT_EQ(c.architecture, "DeepseekV3ForCausalLM");
  EXPECT_EQ(c.model_type, "deepseek_v3");
  EXPECT_FALSE(c.is_v2());
  EXPECT_EQ(c.vocab_size, 129280);
  EXPECT_EQ(c.hidden_size, 7168);
  EXPECT_EQ(c.intermediate_size, 18432);
  EXPECT_EQ(c.moe_intermediate_size, 2048);
  EXPECT_EQ(c.num_hidden_layers, 61);
  EXPECT_EQ(c.num_attention_heads, 128);
  EXPECT_EQ(c.num_key_value_heads, 128);
  EXPECT_EQ(c.max_position_embeddings, 163840);
  EXPECT_EQ(c.n_routed_experts, 256);
  EXPECT_EQ(c.n_shared_experts, 1);
  EXPECT_EQ(c.num_experts_per_tok, 8);
  EXPECT_EQ(c.n_group, 8);
  EXPECT_EQ(c.topk_group, 4);
  EXPECT_EQ(c.first_k_dense_replace, 3);
  EXPECT_EQ(c.moe_layer_freq, 1);
  EXPECT_EQ(c.topk_method, TopkMethod::noaux_tc);
  EXPECT_EQ(c.scoring_func, ScoringFunc::sigmoid);
  EXPECT_TRUE(c.norm_topk_prob);
  EXPECT_EQ(c.routed_scaling_factor, 2.5);
  EXPECT_EQ(c.q_lora_rank, 1536);
  EXPECT_EQ(c.kv_lora_rank, 512);
  EXPECT_EQ(c.qk_nope_head_dim, 128);
  EXPECT_EQ(c.qk_rope_head_dim, 64);
  EXPECT_EQ(c.qk_head_dim(), 192);
  EXPECT_EQ(c.v_head_dim, 128);
  EXPECT_EQ(c.rope_theta, 10000.0);
  ASSERT_TRUE(c.rope_scaling.has_value());
  EXPECT_EQ(c.rope_scaling->factor, 40.0);
  EXPECT_EQ(c.rope_scaling->original_max_position_embeddings, 4096);
  EXPECT_EQ(c.rope_scaling->beta_fast, 32.0);
  EXPECT_EQ(c.rope_scaling->beta_slow, 1.0);
  EXPECT_EQ(c.rope_scaling->mscale, 1.0);
  EXPECT_EQ(c.rope_scaling->mscale_all_dim, 1.0);
  EXPECT_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_EQ(c.num_nextn_predict_layers, 1);
  ASSERT_TRUE(c.quantization.has_value());
  EXPECT_EQ(c.quantization->fmt, "e4m3");
  EXPECT_EQ(c.quantization->activation_scheme, "dynamic");
  EXPECT_EQ(c.quantization->block_rows, 128);
  EXPECT_EQ(c.quantization->block_cols, 128);
  EXPECT_EQ(c.bos_token_id, 0);
  EXPECT_EQ(c.eos_token_id, 1);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.hidden_act, "silu");
  EXPECT_FALSE(c.is_moe_layer(2));
  EXPECT_TRUE(c.is_moe_layer(3));
  EXPECT_TRUE(c.is_moe_layer(60));
}

TEST(MoeConfig, DeepSeekV2LiteAsPublished) {
  const ModelConfig c = load_config(kV2Lite);
  EXPECT_EQ(c.architecture, "DeepseekV2ForCausalLM");
  EXPECT_EQ(c.model_type, "deepseek_v2");
  EXPECT_TRUE(c.is_v2());
  EXPECT_EQ(c.vocab_size, 102400);
  EXPECT_EQ(c.hidden_size, 2048);
  EXPECT_EQ(c.intermediate_size, 10944);
  EXPECT_EQ(c.moe_intermediate_size, 1408);
  EXPECT_EQ(c.num_hidden_layers, 27);
  EXPECT_EQ(c.num_attention_heads, 16);
  EXPECT_EQ(c.num_key_value_heads, 16);
  EXPECT_EQ(c.max_position_embeddings, 163840);
  EXPECT_EQ(c.n_routed_experts, 64);
  EXPECT_EQ(c.n_shared_experts, 2);
  EXPECT_EQ(c.num_experts_per_tok, 6);
  EXPECT_EQ(c.n_group, 1);
  EXPECT_EQ(c.topk_group, 1);
  EXPECT_EQ(c.first_k_dense_replace, 1);
  EXPECT_EQ(c.topk_method, TopkMethod::greedy);
  EXPECT_EQ(c.scoring_func, ScoringFunc::softmax);
  EXPECT_FALSE(c.norm_topk_prob);
  EXPECT_EQ(c.routed_scaling_factor, 1.0);
  EXPECT_EQ(c.q_lora_rank, std::nullopt);
  EXPECT_EQ(c.kv_lora_rank, 512);
  EXPECT_EQ(c.qk_nope_head_dim, 128);
  EXPECT_EQ(c.qk_rope_head_dim, 64);
  EXPECT_EQ(c.v_head_dim, 128);
  ASSERT_TRUE(c.rope_scaling.has_value());
  EXPECT_EQ(c.rope_scaling->factor, 40.0);
  EXPECT_EQ(c.rope_scaling->original_max_position_embeddings, 4096);
  EXPECT_EQ(c.rope_scaling->mscale, 0.707);
  EXPECT_EQ(c.rope_scaling->mscale_all_dim, 0.707);
  EXPECT_EQ(c.num_nextn_predict_layers, 0);  // absent in V2 configs
  EXPECT_FALSE(c.quantization.has_value());
  EXPECT_EQ(c.bos_token_id, 100000);
  EXPECT_EQ(c.eos_token_id, 100001);
  EXPECT_FALSE(c.is_moe_layer(0));
  EXPECT_TRUE(c.is_moe_layer(1));
  EXPECT_TRUE(c.is_moe_layer(26));
}

TEST(MoeConfig, AcceptedVariants) {
  // A dense model: null expert counts.
  const ModelConfig dense = parse_config(edited(kV2Lite, {{"n_routed_experts", "null"},
                                                          {"n_shared_experts", "null"},
                                                          {"num_experts_per_tok", "null"}}));
  EXPECT_EQ(dense.n_routed_experts, 0);
  EXPECT_EQ(dense.n_shared_experts, 0);
  EXPECT_EQ(dense.num_experts_per_tok, 0);
  EXPECT_FALSE(dense.is_moe_layer(5));

  // Newer transformers spell the rope kind "rope_type".
  const ModelConfig rope_type = parse_config(
      edited(kV3, {{"rope_scaling.type", ""}, {"rope_scaling.rope_type", "\"yarn\""}}));
  EXPECT_EQ(rope_type.rope_scaling->factor, 40.0);

  const ModelConfig no_rope = parse_config(edited(kV3, {{"rope_scaling", "null"}}));
  EXPECT_FALSE(no_rope.rope_scaling.has_value());

  const ModelConfig no_mtp = parse_config(edited(kV3, {{"num_nextn_predict_layers", ""}}));
  EXPECT_EQ(no_mtp.num_nextn_predict_layers, 0);

  const ModelConfig group_limited = parse_config(
      edited(kV3, {{"topk_method", "\"group_limited_greedy\""}, {"scoring_func", "\"softmax\""}}));
  EXPECT_EQ(group_limited.topk_method, TopkMethod::group_limited_greedy);
  EXPECT_EQ(group_limited.scoring_func, ScoringFunc::softmax);
}

struct BadCase {
  std::vector<Edit> edits;
  std::string key;   // the key the message must name
  std::string also;  // and a word saying what was wrong
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.key << " (" << c.also << ")";
}

class MoeConfigBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(MoeConfigBad, RefusedNamingFileAndKey) {
  const BadCase& bad = GetParam();
  const std::string json = edited(kV3, bad.edits);
  try {
    parse_config(json, kV3.string());
    FAIL() << "accepted a config with a bad " << bad.key;
  } catch (const DataError& e) {
    const std::string message = e.what();
    // One format for every reader: "FILE: $.key: what".
    EXPECT_NE(message.find(kV3.string() + ": $." + bad.key + ": "), std::string::npos) << message;
    EXPECT_NE(message.find(bad.also), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EachKind, MoeConfigBad,
    ::testing::Values(
        // unknown enum values and unsupported features
        BadCase{{{"topk_method", "\"fancy\""}}, "topk_method", "fancy"},
        BadCase{{{"scoring_func", "\"relu\""}}, "scoring_func", "relu"},
        BadCase{{{"model_type", "\"llama\""}}, "model_type", "llama"},
        BadCase{{{"architectures", "[\"LlamaForCausalLM\"]"}}, "architectures", "Llama"},
        BadCase{{{"rope_scaling.type", "\"linear\""}}, "rope_scaling.type", "linear"},
        BadCase{{{"hidden_act", "\"gelu\""}}, "hidden_act", "gelu"},
        BadCase{{{"quantization_config.quant_method", "\"awq\""}},
                "quantization_config.quant_method",
                "awq"},
        BadCase{{{"quantization_config.fmt", "\"e5m2\""}}, "quantization_config.fmt", "e5m2"},
        BadCase{{{"quantization_config.weight_block_size", "[128]"}},
                "quantization_config.weight_block_size",
                "two"},
        // missing required keys
        BadCase{{{"hidden_size", ""}}, "hidden_size", "missing"},
        BadCase{{{"vocab_size", ""}}, "vocab_size", "missing"},
        BadCase{{{"kv_lora_rank", ""}}, "kv_lora_rank", "missing"},
        BadCase{{{"q_lora_rank", ""}}, "q_lora_rank", "missing"},
        BadCase{{{"moe_intermediate_size", ""}}, "moe_intermediate_size", "missing"},
        BadCase{{{"model_type", ""}}, "model_type", "missing"},
        BadCase{{{"hidden_size", "null"}}, "hidden_size", "null"},
        // non-positive sizes
        BadCase{{{"hidden_size", "0"}}, "hidden_size", ">= 1"},
        BadCase{{{"num_hidden_layers", "-3"}}, "num_hidden_layers", "-3"},
        BadCase{{{"v_head_dim", "0"}}, "v_head_dim", ">= 1"},
        BadCase{{{"rms_norm_eps", "0"}}, "rms_norm_eps", "> 0"},
        BadCase{{{"rope_scaling.factor", "-1"}}, "rope_scaling.factor", "> 0"},
        // inconsistent values
        BadCase{{{"n_group", "3"}}, "n_group", "divisible"},
        BadCase{{{"topk_group", "9"}}, "topk_group", "exceeds n_group"},
        BadCase{{{"num_experts_per_tok", "257"}}, "num_experts_per_tok", "exceeds"},
        BadCase{{{"num_experts_per_tok", "0"}}, "num_experts_per_tok", ">= 1"},
        BadCase{{{"qk_rope_head_dim", "63"}}, "qk_rope_head_dim", "even"},
        // 3 groups of 2 experts cannot supply 8 experts per token
        BadCase{{{"n_group", "128"}, {"topk_group", "3"}}, "topk_group", "cannot supply"},
        // wrong JSON types
        BadCase{{{"hidden_size", "\"7168\""}}, "hidden_size", "integer"},
        BadCase{{{"hidden_size", "7168.5"}}, "hidden_size", "integer"},
        BadCase{{{"norm_topk_prob", "1"}}, "norm_topk_prob", "true or false"},
        BadCase{{{"rope_theta", "\"10000\""}}, "rope_theta", "number"},
        BadCase{{{"q_lora_rank", "[1536]"}}, "q_lora_rank", "integer"},
        BadCase{{{"architectures", "\"DeepseekV3ForCausalLM\""}}, "architectures", "array"},
        BadCase{{{"rope_scaling", "[]"}}, "rope_scaling", "object"},
        BadCase{{{"quantization_config", "\"fp8\""}}, "quantization_config", "object"},
        BadCase{{{"topk_method", "7"}}, "topk_method", "string"},
        BadCase{{{"eos_token_id", "true"}}, "eos_token_id", "integer"}));

TEST(MoeConfig, BadJsonAndMissingFile) {
  try {
    parse_config("{\"hidden_size\": ", "broken.json");
    FAIL() << "accepted broken JSON";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json: bad JSON at line 1, column 17"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_config("[1, 2]", "array.json"), DataError);
  try {
    load_config(kData / "no-such-config.json");
    FAIL() << "loaded a missing file";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-config.json"), std::string::npos) << e.what();
  }
}

TEST(MoeConfig, ToJsonRoundTrips) {
  ModelConfig tiny = load_config(kV2Lite);
  tiny.n_routed_experts = 0;  // dense, with a non-default everything else
  tiny.n_shared_experts = 0;
  tiny.num_experts_per_tok = 0;
  tiny.hidden_size = 64;
  tiny.rope_scaling.reset();
  tiny.bos_token_id.reset();
  tiny.tie_word_embeddings = true;
  tiny.rms_norm_eps = 1.0 / 3.0;
  tiny.routed_scaling_factor = 0.1;

  for (const ModelConfig& original : {load_config(kV3), load_config(kV2Lite), tiny}) {
    const std::string json = to_json(original);
    const ModelConfig back = parse_config(json, "to_json");
    EXPECT_EQ(back, original) << json;
    EXPECT_EQ(to_json(back), json);
    EXPECT_NE(json.find("\"model_type\": \"" + original.model_type + "\""), std::string::npos);
    EXPECT_NE(json.find("\"architectures\": [\"" + original.architecture + "\"]"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"torch_dtype\": \"bfloat16\""), std::string::npos);
  }
  // Published spellings: null for an uncompressed query and for a dense model's experts.
  const std::string lite = to_json(load_config(kV2Lite));
  EXPECT_NE(lite.find("\"q_lora_rank\": null"), std::string::npos) << lite;
  EXPECT_NE(to_json(tiny).find("\"n_routed_experts\": null"), std::string::npos);
  EXPECT_NE(to_json(load_config(kV3)).find("\"weight_block_size\": [128, 128]"), std::string::npos);
}

}  // namespace
}  // namespace rbench::moe
