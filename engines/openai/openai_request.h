// The JSON body of a POST /chat/completions (or /completions for a raw-text prompt), shaped by
// the model profile: which max-tokens field, which sampling fields the model accepts, and the
// profile's extra body merged in.
#pragma once

#include <string>

#include "engines/api/engine.h"
#include "engines/openai/model_profile.h"

namespace rbench {

// Sampling values from the request win over the profile's defaults. A request with a non-empty
// `prompt` gives a /completions body: "prompt" instead of "messages", always "max_tokens" (the
// legacy API knows no other) and no reasoning_effort. Throws UsageError when the profile's
// extra_body_json is not a JSON object.
std::string build_request_body(const ModelProfile& profile, const ChatRequest& request,
                               bool stream);

// Checks extra_body_json once, at client construction, so a bad profile fails before any run.
void validate_extra_body(const ModelProfile& profile);

}  // namespace rbench
