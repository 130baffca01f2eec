#include "tests/llm/fixtures.h"

namespace agw::llm::test {

void RegisterResponsesVariants(Registry& registry) {}

}  // namespace agw::llm::test
