// The JSON helpers every chat translation shares.

#include "emulator/llm/chat_json.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <string_view>

namespace agw::emulator::llm::chat {
namespace {

TEST_CASE("Object builds the value the braced form builds, members in order") {
  std::string long_text(100, 'x');
  std::string_view view = "viewed";
  Json nested = Json::array({1, 2});
  Json braced = {{"type", "text"},
                 {"index", 0},
                 {"big", uint64_t{18446744073709551615u}},
                 {"negative", int64_t{-5}},
                 {"ratio", 0.5},
                 {"nothing", nullptr},
                 {"flag", true},
                 {"text", long_text},
                 {"view", view},
                 {"inner", {{"z", 1}, {"a", "b"}}},
                 {"list", nested}};
  Json built =
      Object("type", "text", "index", 0, "big", uint64_t{18446744073709551615u}, "negative",
             int64_t{-5}, "ratio", 0.5, "nothing", nullptr, "flag", true, "text", long_text, "view",
             view, "inner", Object("z", 1, "a", "b"), "list", nested);
  CHECK(built == braced);
  CHECK(built.dump() == braced.dump());  // order and number kinds too
  CHECK(built["big"].is_number_unsigned());
  CHECK(built["negative"].is_number_integer());
  CHECK(long_text.size() == 100);  // lvalues are copied, not moved from
  CHECK(nested.size() == 2);
  CHECK(Object() == Json::object());
}

TEST_CASE("AsCount reads integers, truncates floats that fit in int64 and refuses the rest") {
  CHECK(chat::AsCount(Json(12)) == 12);
  CHECK(chat::AsCount(Json(-3)) == -3);
  CHECK(chat::AsCount(Json(7.9)) == 7);
  CHECK(chat::AsCount(Json(-9.2e18)) == static_cast<int64_t>(-9.2e18));
  CHECK_FALSE(chat::AsCount(Json(9.3e18)));  // converting it would be undefined behaviour
  CHECK_FALSE(chat::AsCount(Json(1.1e68)));
  CHECK_FALSE(chat::AsCount(Json(std::nan(""))));
  CHECK_FALSE(chat::AsCount(Json("12")));
}

}  // namespace
}  // namespace agw::emulator::llm::chat
