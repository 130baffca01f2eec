#pragma once

#include <string>

namespace agw::test {

// Compares `actual` with the golden file testdata/cli/<relative_path>; AGW_UPDATE_GOLDEN=1
// rewrites it (review the diff like code). An empty `actual` always fails, so a broken build
// never rewrites a golden.
void CheckGolden(const std::string& relative_path, const std::string& actual);

}  // namespace agw::test
