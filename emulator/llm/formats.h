#pragma once

#include <string_view>

namespace agw::emulator::llm {

// The shape of the body a client sent, and so the shape of the response owed to it
// (agentgateway's InputFormat).
enum class InputFormat {
  kCompletions,        // OpenAI /v1/chat/completions
  kMessages,           // Anthropic /v1/messages
  kResponses,          // OpenAI /v1/responses
  kEmbeddings,         // OpenAI /v1/embeddings
  kCountTokens,        // Anthropic /v1/messages/count_tokens
  kDetect,             // format sniffed from the body; response parsed, not translated
  kRerank,             // Cohere-style /v1/rerank
  kGemini,             // native Gemini generateContent
  kGeminiCountTokens,  // native Gemini countTokens
};

// The chat wire format a provider endpoint speaks (agentgateway's ChatFormat).
enum class ChatFormat {
  kOpenAICompletions,
  kOpenAIResponses,
  kAnthropicMessages,
  kBedrockConverse,
  kVertexGemini,  // native Gemini generateContent, on the Gemini API or on Vertex
};

// Spelled as agentgateway spells them in logs and golden summaries.
std::string_view InputFormatName(InputFormat format);

}  // namespace agw::emulator::llm
