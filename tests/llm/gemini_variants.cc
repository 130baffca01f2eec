#include "tests/llm/fixtures.h"

namespace agw::llm::test {

void RegisterGeminiVariants(Registry& registry) {}

}  // namespace agw::llm::test
