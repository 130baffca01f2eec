#include "emulator/llm/openai_chunk.h"

#include "emulator/llm/chat_json.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/json_events.h"

namespace agw::emulator::llm {
namespace {

using chat::Find;
using chat::IntAt;
using chat::StringAt;

// ReadChunkFacts' handler of Boost.JSON's parse events. It reads as FactsOfDocument does: the
// last of repeated members wins, null reads as absent, `index` counts only as an integer.
class ChunkFactsReader : public JsonEventHandler {
 public:
  ChunkFacts& facts() { return facts_; }

  bool on_object_begin(ErrorCode& ec) { return Open(/*object=*/true, ec); }
  bool on_array_begin(ErrorCode& ec) { return Open(/*object=*/false, ec); }
  bool on_object_end(std::size_t, ErrorCode&) { return Close(); }
  bool on_array_end(std::size_t, ErrorCode&) { return Close(); }
  bool on_string_part(Text part, std::size_t, ErrorCode&) {
    if (Wanted()) {
      text_.append(part.data(), part.size());
    }
    return true;
  }
  bool on_string(Text part, std::size_t, ErrorCode& ec) {
    if (!Wanted()) {
      return Scalar(Kind::kOther, ec);
    }
    text_.append(part.data(), part.size());
    return Scalar(Kind::kString, ec);
  }
  bool on_number_part(Text, ErrorCode&) { return true; }
  bool on_int64(int64_t value, Text, ErrorCode& ec) {
    integer_ = value;
    return Scalar(Kind::kInteger, ec);
  }
  bool on_uint64(uint64_t value, Text, ErrorCode& ec) {
    integer_ = static_cast<int64_t>(value);  // as Json::get<int64_t> reads it
    return Scalar(Kind::kInteger, ec);
  }
  bool on_double(double, Text, ErrorCode& ec) { return Scalar(Kind::kOther, ec); }
  bool on_bool(bool, ErrorCode& ec) { return Scalar(Kind::kOther, ec); }
  bool on_null(ErrorCode& ec) { return Scalar(Kind::kNull, ec); }

 private:
  // Where the parser is: which container, or inside a value nobody reads.
  enum class Frame { kChunk, kChoices, kChoice, kDelta, kIgnored };
  enum class Kind { kString, kInteger, kNull, kOther, kContainer };

  // The member (or element) the current value is, within the innermost open frame.
  enum class Slot {
    kNone,
    kModel,
    kServiceTier,
    kUsage,
    kChoices,
    kChoice,
    kIndex,
    kFinishReason,
    kDelta,
    kContent,
    kToolCalls
  };

  Slot CurrentSlot() const {
    if (frames_.empty()) {
      return Slot::kNone;
    }
    switch (frames_.back()) {
      case Frame::kChunk:
        if (key_ == "model") {
          return Slot::kModel;
        }
        if (key_ == "service_tier") {
          return Slot::kServiceTier;
        }
        if (key_ == "usage") {
          return Slot::kUsage;
        }
        if (key_ == "choices") {
          return Slot::kChoices;
        }
        return Slot::kNone;
      case Frame::kChoices:
        return Slot::kChoice;
      case Frame::kChoice:
        if (key_ == "index") {
          return Slot::kIndex;
        }
        if (key_ == "finish_reason") {
          return Slot::kFinishReason;
        }
        if (key_ == "delta") {
          return Slot::kDelta;
        }
        return Slot::kNone;
      case Frame::kDelta:
        if (key_ == "content") {
          return Slot::kContent;
        }
        if (key_ == "tool_calls") {
          return Slot::kToolCalls;
        }
        return Slot::kNone;
      case Frame::kIgnored:
        return Slot::kNone;
    }
    return Slot::kNone;
  }

  // Strings are kept only where one is read.
  bool Wanted() const {
    Slot slot = CurrentSlot();
    return slot == Slot::kModel || slot == Slot::kServiceTier || slot == Slot::kFinishReason ||
           slot == Slot::kContent;
  }

  ChunkFacts::Choice& CurrentChoice() { return facts_.choices.back(); }

  // Records the value that just ended in its slot; false (with `ec`) to give up.
  bool Take(Kind kind, ErrorCode& ec) {
    std::optional<std::string> text;
    if (kind == Kind::kString) {
      text = std::move(text_);
    }
    text_.clear();
    switch (CurrentSlot()) {
      case Slot::kModel:
        facts_.model = std::move(text);
        break;
      case Slot::kServiceTier:
        facts_.service_tier = std::move(text);
        break;
      case Slot::kUsage:
        if (kind == Kind::kContainer && opening_object_) {
          return GiveUp(ec);
        }
        break;
      case Slot::kChoices:
        facts_.has_choices = false;
        facts_.choices.clear();
        break;
      case Slot::kChoice:
        facts_.choices.emplace_back();
        break;
      case Slot::kIndex:
        if (kind == Kind::kInteger) {
          CurrentChoice().index = integer_;
        } else {
          CurrentChoice().index.reset();
        }
        break;
      case Slot::kFinishReason:
        CurrentChoice().finish_reason = std::move(text);
        break;
      case Slot::kDelta:
        CurrentChoice().content.reset();
        break;
      case Slot::kContent:
        CurrentChoice().content = std::move(text);
        break;
      case Slot::kToolCalls:
        if (kind == Kind::kContainer) {
          return GiveUp(ec);
        }
        break;
      case Slot::kNone:
        break;
    }
    key_.clear();
    return true;
  }

  bool Scalar(Kind kind, ErrorCode& ec) {
    if (frames_.empty()) {
      return GiveUp(ec);  // not an object
    }
    return Take(kind, ec);
  }

  bool Open(bool object, ErrorCode& ec) {
    if (frames_.empty()) {
      if (!object) {
        return GiveUp(ec);
      }
      frames_.push_back(Frame::kChunk);
      return true;
    }
    Slot slot = CurrentSlot();
    opening_object_ = object;
    if (!Take(Kind::kContainer, ec)) {
      return false;
    }
    Frame frame = Frame::kIgnored;
    if (slot == Slot::kChoices && !object) {
      facts_.has_choices = true;
      frame = Frame::kChoices;
    } else if (slot == Slot::kChoice && object) {
      frame = Frame::kChoice;
    } else if (slot == Slot::kDelta && object) {
      frame = Frame::kDelta;
    }
    frames_.push_back(frame);
    return true;
  }

  bool Close() {
    frames_.pop_back();
    key_.clear();
    return true;
  }

  bool GiveUp(ErrorCode& ec) {
    ec = boost::json::error::syntax;
    return false;
  }

  ChunkFacts facts_;
  std::vector<Frame> frames_;
  std::string text_;
  int64_t integer_ = 0;
  bool opening_object_ = false;
};

}  // namespace

ChunkFacts FactsOfDocument(const Json& chunk) {
  ChunkFacts facts;
  facts.model = StringAt(chunk, {"model"});
  facts.service_tier = StringAt(chunk, {"service_tier"});
  if (const Json* usage = Find(chunk, {"usage"}); usage && usage->is_object()) {
    facts.usage = usage;
  }
  const Json* choices = Find(chunk, {"choices"});
  facts.has_choices = choices != nullptr && choices->is_array();
  if (!facts.has_choices) {
    return facts;
  }
  for (const Json& choice : *choices) {
    ChunkFacts::Choice& taken = facts.choices.emplace_back();
    taken.index = IntAt(choice, {"index"});
    taken.content = StringAt(choice, {"delta", "content"});
    taken.finish_reason = StringAt(choice, {"finish_reason"});
    taken.tool_calls = Find(choice, {"delta", "tool_calls"});
  }
  return facts;
}

std::optional<ChunkFacts> ReadChunkFacts(std::string_view data) {
  boost::json::basic_parser<ChunkFactsReader> parser(JsonParseOptions());
  if (ParseWhole(parser, data)) {
    return std::nullopt;
  }
  return std::move(parser.handler().facts());
}

}  // namespace agw::emulator::llm
