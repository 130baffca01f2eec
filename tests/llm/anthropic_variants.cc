#include "tests/llm/fixtures.h"

namespace agw::llm::test {

void RegisterAnthropicVariants(Registry& registry) {}

}  // namespace agw::llm::test
