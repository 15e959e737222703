// The JSON body of a POST /chat/completions, shaped by the model profile: which max-tokens
// field, which sampling fields the model accepts, and the profile's extra body merged in.
#pragma once

#include <string>

#include "engines/engine.h"
#include "engines/model_profile.h"

namespace rbench {

// Sampling values from the request win over the profile's defaults. Throws UsageError when the
// profile's extra_body_json is not a JSON object.
std::string build_chat_request_body(const ModelProfile& profile, const ChatRequest& request,
                                    bool stream);

// Checks extra_body_json once, at client construction, so a bad profile fails before any run.
void validate_extra_body(const ModelProfile& profile);

}  // namespace rbench
