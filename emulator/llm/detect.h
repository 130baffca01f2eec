#pragma once

// Detect routes (llm-dataplane.md 3, the Detect row): bodies of unknown shape pass unchanged and
// are searched, best effort, for usage at the places the known formats keep it (OpenAI
// Completions and Responses, Anthropic, Bedrock Converse and InvokeModel, Gemini).

#include <memory>
#include <string_view>

#include "emulator/llm/stream.h"
#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// Sets every usage fact `body` carries; facts it lacks keep their earlier values, so a stream
// can be read event by event. Counts are non-negative integers; anything else is not a count.
// The total is input + output when the body names both but no total.
void ReadDetectedUsage(const Json& body, ResponseInfo& info);

// Any body, passed unchanged (parsed JSON, or a string when it is not JSON, which then has no
// usage).
Translated<ResponseTranslation> DetectResponse(std::string_view upstream_body);

// Bytes forwarded unchanged; the data of every SSE event that is a JSON object is read for usage.
std::unique_ptr<StreamTranslator> MakeDetectStreamTranslator();

}  // namespace agw::emulator::llm
