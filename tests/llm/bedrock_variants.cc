#include "tests/llm/fixtures.h"

namespace agw::llm::test {

void RegisterBedrockVariants(Registry& registry) {}

}  // namespace agw::llm::test
