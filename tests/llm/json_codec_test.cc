// ReadJson and WriteJson against nlohmann's own parse() and dump(), which they replace on the
// hot path: the same values (down to integer signedness), the same text, the same refusals.
#include "emulator/llm/json_codec.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/paths.h"

namespace agw::emulator::llm {
namespace {

Json ParseWithNlohmann(std::string_view text) { return Json::parse(text, nullptr, false); }

// Equal as values and in the type of every number (operator== says 1u == 1 and 1 == 1.0).
bool Identical(const Json& a, const Json& b) {
  if (a.type() != b.type()) {
    return false;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) {
      return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Identical(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) {
      return false;
    }
    auto left = a.begin();
    auto right = b.begin();
    for (; left != a.end(); ++left, ++right) {
      if (left.key() != right.key() || !Identical(left.value(), right.value())) {
        return false;
      }
    }
    return true;
  }
  if (a.is_number_float()) {
    double x = a.get<double>(), y = b.get<double>();
    return std::memcmp(&x, &y, sizeof(x)) == 0;  // -0.0 is not 0.0
  }
  return a == b;
}

// Both read `text` the same way: both refuse it, or both give identical values that both
// writers put into the same words.
void CheckSameReading(const std::string& text) {
  INFO("text: " << text);
  Json expected = ParseWithNlohmann(text);
  Json actual = ReadJson(text);
  REQUIRE(actual.is_discarded() == expected.is_discarded());
  if (expected.is_discarded()) {
    return;
  }
  REQUIRE(Identical(actual, expected));
  REQUIRE(WriteJson(actual) == expected.dump());
}

// ReadJsonKeepingArrayText reads `text` as ReadJson does, with `messages` left as text when it
// is a top-level array: read back into the document (or written out with
// WriteJsonWithArrayText), the kept text gives exactly ReadJson's value and text. Returns
// whether the messages were kept.
bool CheckSameKeptReading(const std::string& text) {
  INFO("text: " << text);
  Json whole = ReadJson(text);
  JsonKeepingArrayText kept = ReadJsonKeepingArrayText(text, "messages");
  if (!kept.array_text) {
    REQUIRE(kept.document.is_discarded() == whole.is_discarded());
    if (!whole.is_discarded()) {
      REQUIRE(Identical(kept.document, whole));
    }
    return false;
  }
  REQUIRE(whole.is_object());
  REQUIRE(kept.document["messages"] == Json::array());  // the place holder, in its place
  REQUIRE(kept.array_text->data() >= text.data());      // a view into the text read
  REQUIRE(kept.array_text->data() + kept.array_text->size() <= text.data() + text.size());
  REQUIRE(WriteJsonWithArrayText(kept.document, "messages", *kept.array_text) == WriteJson(whole));
  kept.document["messages"] = ReadJsonArray(*kept.array_text);
  REQUIRE(Identical(kept.document, whole));
  return true;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// A random value with the awkward parts of real bodies: escapes, control characters, every
// UTF-8 length, integers at the edges of their types, doubles of every shape, nesting.
Json RandomValue(std::mt19937_64& random, int depth) {
  std::uniform_int_distribution<int> pick(0, depth > 4 ? 5 : 7);
  switch (pick(random)) {
    case 0:
      return nullptr;
    case 1:
      return random() % 2 == 0;
    case 2: {
      static const int64_t kIntegers[] = {0, -1, 1, INT64_MIN, INT64_MAX, -42, 1700000000};
      if (random() % 3 == 0) {
        return kIntegers[random() % std::size(kIntegers)];
      }
      return static_cast<int64_t>(random()) >> (random() % 63);
    }
    case 3: {
      if (random() % 4 == 0) {
        return UINT64_MAX - random() % 1000;
      }
      return static_cast<uint64_t>(random() >> (random() % 64));
    }
    case 4: {
      static const double kDoubles[] = {
          0.0, -0.0,          0.1,     1.5,  1e-300, 4.9e-324, 1.7976931348623157e308,
          0.7, 123456789.125, -2.5e-7, 1e21, 3.0};
      if (random() % 2 == 0) {
        return kDoubles[random() % std::size(kDoubles)];
      }
      double value;
      do {
        uint64_t bits = random();
        std::memcpy(&value, &bits, sizeof(value));
      } while (!std::isfinite(value));
      return value;
    }
    case 5: {
      static const char* kPieces[] = {"a",
                                      "quick brown fox ",
                                      "\"",
                                      "\\",
                                      "/",
                                      "\n",
                                      "\t",
                                      "\r",
                                      "\b",
                                      "\f",
                                      "\x01",
                                      "\x1f",
                                      "\x7f",
                                      "é",
                                      "€",
                                      "😀",
                                      "\xe2\x80\xa8",
                                      "\xef\xbf\xbf",
                                      "\xf4\x8f\xbf\xbf",
                                      "\\u0041",
                                      "{}[],:"};
      std::string text;
      size_t pieces = random() % 12;
      for (size_t i = 0; i < pieces; ++i) {
        text += kPieces[random() % std::size(kPieces)];
      }
      if (random() % 10 == 0) {
        text.append(16 * 1024 + random() % 100, 'x');
      }
      return text;
    }
    case 6: {
      Json array = Json::array();
      size_t size = random() % 5;
      for (size_t i = 0; i < size; ++i) {
        array.push_back(RandomValue(random, depth + 1));
      }
      return array;
    }
    default: {
      Json object = Json::object();
      size_t size = random() % 5;
      static const char* kKeys[] = {"model", "messages", "content",        "role", "usage",
                                    "",      "ключ",     "with \"quote\"", "tab\t"};
      for (size_t i = 0; i < size; ++i) {
        object[kKeys[random() % std::size(kKeys)]] = RandomValue(random, depth + 1);
      }
      return object;
    }
  }
}

TEST_CASE("ReadJson and WriteJson agree with nlohmann on every JSON file of the shared data") {
  std::filesystem::path shared(test::kSharedDir);
  size_t files = 0, lines = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(shared)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::string extension = entry.path().extension().string();
    if (extension == ".json") {
      CheckSameReading(ReadFile(entry.path()));
      ++files;
    } else if (extension == ".jsonl") {
      std::istringstream in(ReadFile(entry.path()));
      for (std::string line; std::getline(in, line);) {
        CheckSameReading(line);
        ++lines;
      }
    }
  }
  // The fixtures are there: the comparison above is not vacuous.
  CHECK(files >= 100);
  CHECK(lines >= 1000);
}

TEST_CASE("ReadJson and WriteJson agree with nlohmann on random values") {
  std::mt19937_64 random(20261122);
  for (int i = 0; i < 3000; ++i) {
    Json value = RandomValue(random, 0);
    std::string text = value.dump();
    INFO("value: " << text);
    REQUIRE(WriteJson(value) == text);
    CheckSameReading(text);
    CheckSameReading(value.dump(2));  // whitespace between tokens
  }
}

// An object of `members` random members after a first one of about `first_size` bytes, some
// names repeated: the object outgrows whatever room its reader gave it.
std::string GrowingObject(std::mt19937_64& random, size_t first_size, size_t members) {
  std::string text = "{\"messages\":[";
  for (size_t written = 0; written < first_size;) {
    std::string element = RandomValue(random, 1).dump();
    if (written != 0) {
      text += ',';
    }
    text += element;
    written += element.size() + 1;
  }
  text += ']';
  for (size_t i = 0; i < members; ++i) {
    text += ",\"k" + std::to_string(random() % (members / 2 + 1)) + "\":";
    text += RandomValue(random, 2).dump();
  }
  return text + '}';
}

TEST_CASE("ReadJson reads small and large documents alike, however their objects grow") {
  // ReadJson gives the objects of a small document room for several members at once and
  // those of a large one none; past it they grow by moving their members.
  std::mt19937_64 random(31);
  for (size_t first_size : {size_t{0}, size_t{2000}, size_t{70 * 1024}, size_t{300 * 1024}}) {
    for (size_t members : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{40}}) {
      std::string text = GrowingObject(random, first_size, members);
      CheckSameReading(text);
      CheckSameReading("[" + text + "," + text + "]");
    }
  }
}

TEST_CASE("ReadJson refuses exactly what nlohmann refuses, on damaged documents") {
  std::mt19937_64 random(7);
  static const char kNoise[] = "{}[]\":,\\ \n0-1.5e+truefalsenull\x01\x80\xc3\xa9\xed\xa0\x80u";
  size_t refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = RandomValue(random, 2).dump();
    if (text.size() > 4096) {
      continue;
    }
    size_t edits = 1 + random() % 3;
    for (size_t e = 0; e < edits && !text.empty(); ++e) {
      size_t at = random() % text.size();
      switch (random() % 3) {
        case 0:
          text[at] = kNoise[random() % (sizeof(kNoise) - 1)];
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text.insert(at, 1, kNoise[random() % (sizeof(kNoise) - 1)]);
      }
    }
    CheckSameReading(text);
    if (ParseWithNlohmann(text).is_discarded()) {
      ++refused;
    }
  }
  CHECK(refused > 5000);  // the damage did produce invalid documents to compare on
}

TEST_CASE("ReadJson on the edges of the grammar") {
  for (const char* text : {"",
                           " ",
                           "{",
                           "[1,]",
                           "{\"a\":1,}",
                           "01",
                           "1.",
                           ".5",
                           "+1",
                           "-",
                           "1e",
                           "1e+",
                           "NaN",
                           "Infinity",
                           "nul",
                           "truex",
                           "[1 2]",
                           "{\"a\" 1}",
                           "{1:2}",
                           "\"abc",
                           "\"\\x\"",
                           "\"\\u12\"",
                           "\"\\ud800\"",
                           "\"\\udc00\"",
                           "\"\\ud800\\u0041\"",
                           "\"\\ud83d\\ude00\"",
                           "\"\x01\"",
                           "\"\xff\"",
                           "\"\xc0\xaf\"",
                           "\"\xed\xa0\x80\"",
                           "1 2",
                           "{} x",
                           "[] ",
                           " \t\r\n[]\n",
                           "\xEF\xBB\xBF{\"bom\":true}",
                           "\xEF\xBB{}",
                           "1e400",
                           "-1e400",
                           "1e-400",
                           "18446744073709551615",
                           "18446744073709551616",
                           "-9223372036854775808",
                           "-9223372036854775809",
                           "-0",
                           "-0.0",
                           "0e0",
                           "1E2",
                           "123456789012345678901234567890",
                           "0.1000000000000000055511151231257827",
                           "{\"a\":1,\"a\":2,\"b\":3}",
                           "/* c */ 1",
                           "[1]//"}) {
    CheckSameReading(text);
  }
}

TEST_CASE("ReadJson refuses nesting as deep as serde_json refuses it, and no shallower") {
  auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  CHECK(ReadJson(nested(kMaxJsonDepth - 1)).is_array());
  CHECK(ReadJson(nested(kMaxJsonDepth)).is_discarded());
  // Deep enough to overflow a recursive writer: refused, not crashed on.
  CHECK(ReadJson(nested(1'000'000)).is_discarded());
}

TEST_CASE("WriteJson finds a character to escape at every place within and across 8-byte words") {
  for (std::string special :
       {std::string(1, '\0'), std::string("\x1f"), std::string("\""), std::string("\\"),
        std::string(" "), std::string("!"), std::string("\x7f"), std::string("\xc3\xa9"),
        std::string("\xf0\x9f\x98\x80")}) {
    for (size_t length = 0; length <= 24; ++length) {
      for (size_t at = 0; at <= length; ++at) {
        std::string text = std::string(at, 'a') + special + std::string(length - at, 'b');
        Json value = text;
        INFO("special at " << at << " of " << text.size());
        REQUIRE(WriteJson(value) == value.dump());
      }
    }
  }
  // An invalid byte anywhere in a word is still noticed.
  for (size_t at = 0; at < 17; ++at) {
    std::string text(17, 'a');
    text[at] = '\xff';
    CHECK_THROWS_AS(WriteJson(Json(text)), Json::type_error);
  }
}

TEST_CASE("WriteJson lets nlohmann report strings that are not UTF-8") {
  Json value = {{"text", std::string("bad \xff byte")}};
  CHECK_THROWS_AS(WriteJson(value), Json::type_error);
  std::string out = "kept";
  CHECK_THROWS_AS(AppendJson(value, out), Json::type_error);
  CHECK_THROWS_AS(AppendJsonString("\xc3", out), Json::type_error);
}

TEST_CASE("AppendJsonString writes a string as WriteJson writes it as a value") {
  std::mt19937_64 random(3);
  for (int i = 0; i < 500; ++i) {
    Json value = RandomValue(random, 5);
    if (!value.is_string()) {
      continue;
    }
    std::string out = "data: ";
    AppendJsonString(value.get_ref<const std::string&>(), out);
    REQUIRE(out == "data: " + value.dump());
  }
}

// What a document says at `path`: the string there, if any (chat::StringAt's reading).
std::optional<std::string> StringInDocument(const Json& document, JsonPath path) {
  const Json* at = &document;
  for (std::string_view name : path) {
    if (!at->is_object()) {
      return std::nullopt;
    }
    auto found = at->find(name);
    if (found == at->end() || found->is_null()) {
      return std::nullopt;
    }
    at = &*found;
  }
  if (!at->is_string()) {
    return std::nullopt;
  }
  return at->get<std::string>();
}

TEST_CASE("ReadJsonStrings reads the strings a document holds at the paths, or leaves it") {
  std::mt19937_64 random(5);
  auto pick = [&](std::initializer_list<const char*> options) {
    return std::string(options.begin()[random() % options.size()]);
  };
  std::function<std::string(int)> value = [&](int depth) -> std::string {
    if (depth < 3 && random() % 3 == 0) {
      std::string object = "{";
      size_t members = random() % 4;
      for (size_t m = 0; m < members; ++m) {
        if (m > 0) {
          object += ",";
        }
        object += "\"" + pick({"type", "delta", "text", "index", "x"}) + "\":" + value(depth + 1);
      }
      return object + "}";
    }
    return pick({"null", "\"text_delta\"", "\"content_block_delta\"", "\"a\\u00e9\\n\"", "3", "[]",
                 "[{\"type\":\"in array\"}]", "true", "{}"});
  };
  size_t read = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = random() % 20 == 0 ? value(3) : value(0);
    if (random() % 10 == 0) {
      text = "{" + text.substr(std::min<size_t>(1, text.size()));
    }
    INFO("text: " << text);
    auto strings = ReadJsonStrings(text, {{"type"}, {"delta", "type"}, {"delta", "text"}, {"x"}});
    Json document = ReadJson(text);
    if (!strings) {
      CHECK_FALSE(document.is_object());  // nothing here is an object only nlohmann reads
      continue;
    }
    REQUIRE(document.is_object());
    ++read;
    CHECK((*strings)[0] == StringInDocument(document, {"type"}));
    CHECK((*strings)[1] == StringInDocument(document, {"delta", "type"}));
    CHECK((*strings)[2] == StringInDocument(document, {"delta", "text"}));
    CHECK((*strings)[3] == StringInDocument(document, {"x"}));
  }
  CHECK(read > 1000);
  CHECK_FALSE(ReadJsonStrings("[1]", {{"type"}}));
  CHECK_FALSE(ReadJsonStrings("\"type\"", {{"type"}}));
  CHECK_FALSE(ReadJsonStrings("{\"type\":1", {{"type"}}));
}

TEST_CASE("Utf8Lossy replaces each maximal ill-formed subpart with one U+FFFD") {
  CHECK(IsUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(IsUtf8("\xC0\x80"));          // overlong
  CHECK_FALSE(IsUtf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(IsUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK(Utf8Lossy("ok") == "ok");
  CHECK(Utf8Lossy("a\x97z") == "a\uFFFDz");
  CHECK(Utf8Lossy("a\xE2\x82z") == "a\uFFFDz");  // one cut sequence, one replacement
  CHECK(Utf8Lossy("\xF0\x9F\x98") == "\uFFFD");
  CHECK(Utf8Lossy("\xE0\x80\xAF") == "\uFFFD\uFFFD\uFFFD");  // E0 80: no valid prefix
  CHECK(Utf8Lossy("\xFF\xC3\xA9") == "\uFFFD\xC3\xA9");
}

}  // namespace
}  // namespace agw::emulator::llm

namespace agw::emulator::llm {
namespace {

TEST_CASE("ReadJsonKeepingArrayText keeps a top-level messages array as text, and only that") {
  struct Case {
    const char* text;
    bool kept;
  };
  for (auto [text, kept] : std::initializer_list<Case>{
           {R"({"messages":[]})", true},
           {R"({ "model" : "m" , "messages" : [ ] , "n" : 1 })", true},
           {"{\"messages\":[1 , \"a]\" ,{\"x\":\"[\\\"}\"}, [[]], -1.5e3,true ,null,{}]}", true},
           {R"({"messages":["\\"],"b":"\\\"]"})", true},  // a string ending in a backslash
           {R"({"messages":["a\"b]"],"after":[1]})", true},
           {R"({"messages":[{"role":"user","content":"hi"}],"stream":true})", true},
           {R"({"messag\u0065s":[1,2]})", true},            // a name written with an escape
           {R"({"messages":"x","messages":[1,2]})", true},  // the last value: the first place
           {R"({"messages":[1],"messages":[2,3],"z":0})", true},
           {R"({"messages":[1],"messages":"x"})", false},  // the last value is no array
           {R"({"messages":[1],"messag\u0065s":{}})", false},
           {R"({"a":{"messages":[1]}})", false},  // not at the top
           {R"([{"messages":[1]}])", false},
           {R"({"other":[1]})", false},
           {R"({"messages":null})", false},
           {"\xEF\xBB\xBF{\"messages\":[\"bom\"]}", true},
           {" \t\r\n{\"messages\":[\n1\r\n,\t2 ]}\n", true},
           {R"({"messages":[1e400]})", false},                    // refused, as ReadJson refuses it
           {R"({"messages":[1e-99999999999999999999]})", false},  // read by nlohmann's path
           {R"({"messages":[1,]})", false},
           {R"({"messages":[1])", false},
           {R"({"messages":["\ud800"]})", false},
           {"{\"messages\":[\"\xff\"]}", false},
           {"", false},
           {"{}", false},
       }) {
    INFO("text: " << text);
    CHECK(CheckSameKeptReading(text) == kept);
  }
  // Nesting inside the kept array counts from the top of the document.
  auto nested = [](size_t depth) {
    return R"({"messages":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  CHECK(CheckSameKeptReading(nested(kMaxJsonDepth - 1)));
  CHECK(ReadJsonKeepingArrayText(nested(kMaxJsonDepth), "messages").document.is_discarded());
}

TEST_CASE("ReadJsonKeepingArrayText agrees with ReadJson on random, large and damaged documents") {
  std::mt19937_64 random(20261206);
  size_t kept = 0;
  for (int i = 0; i < 2000; ++i) {
    Json messages = Json::array();
    for (size_t n = random() % 6; n > 0; --n) {
      messages.push_back(RandomValue(random, 1));
    }
    Json document = Json::object();
    document["model"] = "m";
    document["messages"] = messages;
    Json more = RandomValue(random, 3);  // more members, "messages" among them at times
    if (more.is_object()) {
      document.update(more);
    }
    kept += CheckSameKeptReading(document.dump());
    kept += CheckSameKeptReading(document.dump(2));
  }
  CHECK(kept > 2000);
  for (size_t first_size : {size_t{2000}, size_t{300 * 1024}}) {
    for (size_t members : {size_t{0}, size_t{9}, size_t{40}}) {
      CHECK(CheckSameKeptReading(GrowingObject(random, first_size, members)));
    }
  }
  static const char kNoise[] = "{}[]\":,\\ \n0-1.5e+truefalsenull\x01\x80\xc3\xa9u";
  for (int i = 0; i < 20000; ++i) {
    std::string text = "{\"messages\":" + RandomValue(random, 2).dump() + "}";
    if (text.size() > 4096) {
      continue;
    }
    size_t at = random() % text.size();
    text[at] = kNoise[random() % (sizeof(kNoise) - 1)];
    CheckSameKeptReading(text);
  }
}

}  // namespace
}  // namespace agw::emulator::llm
