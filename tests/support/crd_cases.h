#pragma once

#include <string>
#include <vector>

namespace agw::test {

// One document of agentgateway's CRD cases (../shared/upstream-testdata/agentgateway-crd-cases):
// the YAML without its `_err:` line, and that line's expected message.
struct CrdCase {
  std::string file;      // "agentgateway_policy_invalid.yaml"
  int index = 0;         // 1-based document number in the file
  bool invalid = false;  // from a *_invalid.yaml file
  std::string expected;  // the `_err` (unquoted), "" when there is none
  std::string document;
};

// Every document that holds a `kind:`, files in name order.
std::vector<CrdCase> ReadCrdCases();

}  // namespace agw::test
