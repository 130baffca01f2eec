#include "emulator/policy/prompt_guard.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <functional>

#include "emulator/llm/json_codec.h"
#include "emulator/llm/sse.h"
#include "emulator/policy/remote_guard.h"

namespace agw::emulator::policy {
namespace {

using llm::Json;
using validate::manifest::Value;

// --- Matching ----------------------------------------------------------------------------
//
// agentgateway compiles patterns with the Rust `regex` crate; RE2 has the same syntax family
// and leftmost-first semantics. One difference is accepted: RE2's \d, \w, \s and \b are ASCII,
// Rust's are Unicode (so e.g. Arabic-Indic digits are not digits here).

struct Range {
  size_t begin = 0;
  size_t end = 0;
};

// The index of the next UTF-8 character after the one starting at `at`.
size_t NextCharacter(std::string_view text, size_t at) {
  size_t next = at + 1;
  while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) {
    ++next;
  }
  return next;
}

// The non-empty matches of Rust's find_iter (non-overlapping, leftmost-first). Empty matches are
// dropped, as agentgateway's mask drops them; the search then resumes one character further.
std::vector<Range> NonEmptyMatches(const re2::RE2& re, std::string_view text) {
  std::vector<Range> ranges;
  size_t at = 0;
  // Every pass moves `at` forward by at least one byte.
  for (size_t pass = 0; pass <= text.size() + 1 && at <= text.size(); ++pass) {
    re2::StringPiece match;
    if (!re.Match(text, at, text.size(), re2::RE2::UNANCHORED, &match, 1)) {
      break;
    }
    size_t begin = static_cast<size_t>(match.data() - text.data());
    size_t end = begin + match.size();
    if (end > begin) {
      ranges.push_back({begin, end});
      at = end;
    } else {
      at = NextCharacter(text, begin);
    }
  }
  return ranges;
}

bool MatchesAnywhere(const re2::RE2& re, std::string_view text) {
  return re.Match(text, 0, text.size(), re2::RE2::UNANCHORED, nullptr, 0);
}

// `text` with each range (sorted, disjoint) replaced by `placeholder`.
std::string Replace(std::string_view text, const std::vector<Range>& ranges,
                    std::string_view placeholder) {
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (const Range& range : ranges) {
    out.append(text.substr(at, range.begin - at));
    out.append(placeholder);
    at = range.end;
  }
  out.append(text.substr(at));
  return out;
}

// --- Builtin recognizers (agentgateway llm/policy/pii) ----------------------------------
//
// Plain regexes without validators (the Luhn check is commented out upstream), except
// PhoneNumber, whose candidates must also look like a valid number (PlausiblePhoneNumber).

struct Recognizer {
  std::string_view placeholder;
  std::vector<std::unique_ptr<re2::RE2>> patterns;
  // All patterns as one alternation: most prompts hold nothing to mask, and one scan says so
  // where a scan per pattern would read the text five times.
  std::unique_ptr<re2::RE2> any;
};

Recognizer MakeRecognizer(std::string_view placeholder,
                          std::initializer_list<const char*> patterns) {
  Recognizer recognizer{placeholder, {}, {}};
  std::string alternation;
  for (const char* pattern : patterns) {
    recognizer.patterns.push_back(std::make_unique<re2::RE2>(pattern, re2::RE2::Quiet));
    alternation += (alternation.empty() ? "(?:" : "|(?:") + std::string(pattern) + ")";
  }
  recognizer.any = std::make_unique<re2::RE2>(alternation, re2::RE2::Quiet);
  return recognizer;
}

const Recognizer& RecognizerOf(Builtin builtin) {
  // The tail the credit-card brands share: optional single '-' or ' ' between the groups.
  static const std::array<Recognizer, 5> recognizers = [] {
    return std::array<Recognizer, 5>{
        MakeRecognizer("<SSN>", {R"(\b([0-9]{5})-([0-9]{4})\b)", R"(\b([0-9]{3})-([0-9]{6})\b)",
                                 R"(\b(([0-9]{3})-([0-9]{2})-([0-9]{4}))\b)", R"(\b[0-9]{9}\b)",
                                 R"(\b([0-9]{3})[- .]([0-9]{2})[- .]([0-9]{4})\b)"}),
        MakeRecognizer("<CREDIT_CARD>",
                       {R"(\b4\d{3}[- ]?(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{3,5})\b)",
                        R"(\b5[0-5]\d{2}[- ]?(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{3,5})\b)",
                        R"(\b6\d{3}[- ]?(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{3,5})\b)",
                        R"(\b3\d{3}[- ]?(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{3,5})\b)",
                        R"(\b1\d{3}[- ]?(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{4,5})\b)"}),
        MakeRecognizer("<PHONE_NUMBER>", {R"((?i)(^|[^0-9])([+()]?[0-9][0-9\s().\-]{6,30}))"}),
        // No \b: a trailing '.' is part of the match, as upstream.
        MakeRecognizer("<EMAIL_ADDRESS>", {R"([a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+)"}),
        MakeRecognizer("<CA_SIN>",
                       {R"(\b([0-9]{3})[- ]([0-9]{3})[- ]([0-9]{3})\b)", R"(\b[0-9]{9}\b)"}),
    };
  }();
  return recognizers[static_cast<size_t>(builtin)];
}

// The candidates (capture group 2) that pass PlausiblePhoneNumber. The greedy tail (spaces,
// dots, parentheses) stays inside the range, as upstream masks it.
std::vector<Range> PhoneNumbers(std::string_view text) {
  const re2::RE2& candidate = *RecognizerOf(Builtin::kPhoneNumber).patterns[0];
  std::vector<Range> ranges;
  size_t at = 0;
  // Every match holds at least eight bytes, so `at` moves forward on each pass.
  for (size_t pass = 0; pass <= text.size() && at < text.size(); ++pass) {
    std::array<re2::StringPiece, 3> groups;
    if (!candidate.Match(text, at, text.size(), re2::RE2::UNANCHORED, groups.data(), 3)) {
      break;
    }
    size_t begin = static_cast<size_t>(groups[2].data() - text.data());
    if (PlausiblePhoneNumber(groups[2])) {
      ranges.push_back({begin, begin + groups[2].size()});
    }
    size_t end = static_cast<size_t>(groups[0].data() - text.data()) + groups[0].size();
    at = std::max(end, at + 1);
  }
  return ranges;
}

// All ranges of a recognizer, sorted; ranges that strictly overlap are merged (ranges that only
// touch are not, and get a placeholder each).
// Whether `text` has a character every match of `builtin` needs: '@' for Email, a digit for the
// others. memchr is vectorized: ruling a long prompt out costs far less than a regex scan.
bool MayMatch(Builtin builtin, std::string_view text) {
  auto has = [&](char c) { return std::memchr(text.data(), c, text.size()) != nullptr; };
  if (builtin == Builtin::kEmail) {
    return has('@');
  }
  for (char digit = '0'; digit <= '9'; ++digit) {
    if (has(digit)) {
      return true;
    }
  }
  return false;
}

std::vector<Range> BuiltinRanges(Builtin builtin, std::string_view text) {
  if (!MayMatch(builtin, text)) {
    return {};
  }
  if (builtin == Builtin::kPhoneNumber) {
    return PhoneNumbers(text);
  }
  const Recognizer& recognizer = RecognizerOf(builtin);
  if (recognizer.any->ok() && !MatchesAnywhere(*recognizer.any, text)) {
    return {};
  }
  std::vector<Range> all;
  for (const auto& pattern : recognizer.patterns) {
    std::vector<Range> found = NonEmptyMatches(*pattern, text);
    all.insert(all.end(), found.begin(), found.end());
  }
  std::sort(all.begin(), all.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::vector<Range> merged;
  for (const Range& range : all) {
    if (!merged.empty() && range.begin < merged.back().end) {
      merged.back().end = std::max(merged.back().end, range.end);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

std::string_view BuiltinName(Builtin builtin) {
  switch (builtin) {
    case Builtin::kSsn:
      return "Ssn";
    case Builtin::kCreditCard:
      return "CreditCard";
    case Builtin::kPhoneNumber:
      return "PhoneNumber";
    case Builtin::kEmail:
      return "Email";
    case Builtin::kCaSin:
      return "CaSin";
  }
  return "";
}

std::optional<Builtin> ParseBuiltin(std::string_view name) {
  for (Builtin builtin : {Builtin::kSsn, Builtin::kCreditCard, Builtin::kPhoneNumber,
                          Builtin::kEmail, Builtin::kCaSin}) {
    if (BuiltinName(builtin) == name) {
      return builtin;
    }
  }
  return std::nullopt;
}

// Whether one rule hits `text` (Reject): a custom pattern on any match, even an empty one (so
// `z*` rejects everything); a builtin on any recognized range.
bool RuleHits(const RegexRule& rule, std::string_view text) {
  if (rule.builtin) {
    return !BuiltinRanges(*rule.builtin, text).empty();
  }
  return rule.pattern != nullptr && MatchesAnywhere(*rule.pattern, text);
}

// Masks `text` with one rule; true when something was replaced.
bool MaskWithRule(const RegexRule& rule, std::string& text) {
  std::vector<Range> ranges;
  std::string_view placeholder = "<masked>";
  if (rule.builtin) {
    ranges = BuiltinRanges(*rule.builtin, text);
    placeholder = RecognizerOf(*rule.builtin).placeholder;
  } else if (rule.pattern != nullptr) {
    ranges = NonEmptyMatches(*rule.pattern, text);
  }
  if (ranges.empty()) {
    return false;
  }
  text = Replace(text, ranges, placeholder);
  return true;
}

bool RegexRejects(const RegexGuard& regex, std::string_view text) {
  for (const RegexRule& rule : regex.rules) {
    if (RuleHits(rule, text)) {
      return true;
    }
  }
  return false;
}

// --- Phone numbers -----------------------------------------------------------------------
//
// agentgateway keeps a candidate when the `phonenumber` crate parses it and finds it valid for
// one of US, GB, DE, IL, IN, CA, BR. libphonenumber is not available here (its Debian package
// pulls in Boost 1.74, which conflicts with 1.81), so this approximates validity from the
// digits alone:
// - with a leading '+': country code 1 (US/CA, 10 NANP digits follow), 44 (GB, 9-10), 49 (DE,
//   6-13), 972 (IL, 8-9), 91 (IN, 10) or 55 (BR, 10-11);
// - otherwise: a NANP number (10 digits, or 11 starting with 1; area code and exchange start
//   with 2-9), an Indian mobile (10 digits starting 6-9), a Brazilian number (10 digits with
//   area code [1-9][1-9] and a 2-5 landline prefix, or 11 with a 9 mobile prefix), or a national
//   number with the trunk prefix 0 and 9-12 digits (GB, DE, IL, IN written nationally).
// It accepts some numbers libphonenumber would reject (unassigned ranges) and rejects some it
// would accept (short German numbers, other international prefixes such as 00).

bool NanpNumber(std::string_view digits) {
  if (digits.size() == 11 && digits[0] == '1') {
    digits.remove_prefix(1);
  }
  return digits.size() == 10 && digits[0] >= '2' && digits[3] >= '2';
}

bool BrazilianNumber(std::string_view digits) {
  if (digits.size() != 10 && digits.size() != 11) {
    return false;
  }
  if (digits[0] == '0' || digits[1] == '0') {
    return false;
  }
  return digits.size() == 11 ? digits[2] == '9' : (digits[2] >= '2' && digits[2] <= '5');
}

bool InternationalNumber(std::string_view digits) {
  struct Country {
    std::string_view code;
    size_t min_length;
    size_t max_length;
  };
  static constexpr std::array<Country, 6> kCountries = {
      {{"1", 10, 10}, {"44", 9, 10}, {"49", 6, 13}, {"972", 8, 9}, {"91", 10, 10}, {"55", 10, 11}}};
  for (const Country& country : kCountries) {
    if (digits.substr(0, country.code.size()) != country.code) {
      continue;
    }
    std::string_view national = digits.substr(country.code.size());
    if (national.size() < country.min_length || national.size() > country.max_length) {
      return false;
    }
    if (country.code == "1") {
      return NanpNumber(national);
    }
    return national[0] != '0';
  }
  return false;
}

// --- Compilation -------------------------------------------------------------------------

const Value* Field(const Value* value, std::string_view key) {
  return value == nullptr ? nullptr : value->Find(key);
}

std::string StringField(const Value* value, std::string_view key) {
  const Value* field = Field(value, key);
  return field != nullptr && field->is_scalar() && !field->is_null() ? field->text()
                                                                     : std::string();
}

class GuardCompiler {
 public:
  GuardCompiler(std::vector<std::string>& problems, std::string_view policy_namespace)
      : problems_(problems), policy_namespace_(policy_namespace) {}

  std::optional<Guard> Compile(const Value& entry, const std::string& path, bool request_side) {
    std::optional<Guard> guard = CompileKind(entry, path, request_side);
    if (!guard) {
      return std::nullopt;
    }
    guard->rejection = CompileRejection(Field(&entry, "response"));
    if (request_side) {
      guard->scope = CompileScope(entry, path, guard->kind);
    }
    return guard;
  }

 private:
  std::optional<Guard> CompileKind(const Value& entry, const std::string& path, bool request_side) {
    struct Kind {
      std::string_view field;
      GuardKind kind;
    };
    static constexpr std::array<Kind, 5> kKinds = {{
        {"regex", GuardKind::kRegex},
        {"webhook", GuardKind::kWebhook},
        {"openAIModeration", GuardKind::kOpenAIModeration},
        {"bedrockGuardrails", GuardKind::kBedrockGuardrails},
        {"googleModelArmor", GuardKind::kGoogleModelArmor},
    }};
    for (const Kind& kind : kKinds) {
      const Value* block = entry.Find(kind.field);
      if (block == nullptr) {
        continue;
      }
      if (kind.kind == GuardKind::kOpenAIModeration && !request_side) {
        problems_.push_back(path + ".openAIModeration: only request guards can use it; skipped");
        return std::nullopt;
      }
      Guard guard;
      guard.kind = kind.kind;
      guard.raw = *block;
      guard.spec = CompileSpec(kind.kind, *block, path + "." + std::string(kind.field));
      return guard;
    }
    problems_.push_back(path +
                        ": no guard kind (regex, webhook, openAIModeration, bedrockGuardrails "
                        "or googleModelArmor); skipped");
    return std::nullopt;
  }

  std::variant<RegexGuard, WebhookGuard, ModerationGuard, OpaqueRemoteGuard> CompileSpec(
      GuardKind kind, const Value& block, const std::string& path) {
    switch (kind) {
      case GuardKind::kRegex:
        return CompileRegex(block, path);
      case GuardKind::kWebhook:
        return CompileWebhook(block, path);
      case GuardKind::kOpenAIModeration: {
        ModerationGuard moderation;
        if (std::string model = StringField(&block, "model"); !model.empty()) {
          moderation.model = model;
        }
        return moderation;
      }
      default:
        return OpaqueRemoteGuard{};
    }
  }

  // The controller's order: every `matches[]` entry, then every `builtins[]` entry.
  RegexGuard CompileRegex(const Value& block, const std::string& path) {
    RegexGuard regex;
    regex.action =
        StringField(&block, "action") == "Reject" ? RegexAction::kReject : RegexAction::kMask;
    const std::vector<Value>& matches =
        block.Find("matches") ? block.Find("matches")->items() : validate::manifest::kNoItems;
    for (size_t i = 0; i < matches.size(); ++i) {
      Expected<RegexRule> rule = CompilePattern(matches[i].text());
      if (rule) {
        regex.rules.push_back(std::move(*rule));
      } else {
        problems_.push_back(path + ".matches[" + std::to_string(i) + "]: " + rule.error().message +
                            "; the rule is skipped");
      }
    }
    const std::vector<Value>& builtins =
        block.Find("builtins") ? block.Find("builtins")->items() : validate::manifest::kNoItems;
    for (size_t i = 0; i < builtins.size(); ++i) {
      if (std::optional<Builtin> builtin = ParseBuiltin(builtins[i].text())) {
        regex.rules.push_back(RegexRule::OfBuiltin(*builtin));
      } else {
        problems_.push_back(path + ".builtins[" + std::to_string(i) + "]: unknown builtin \"" +
                            builtins[i].text() + "\"; skipped");
      }
    }
    return regex;
  }

  WebhookGuard CompileWebhook(const Value& block, const std::string& path) {
    WebhookGuard webhook;
    const Value* ref = block.Find("backendRef");
    webhook.backend_ref.group = StringField(ref, "group");
    if (std::string kind = StringField(ref, "kind"); !kind.empty()) {
      webhook.backend_ref.kind = kind;
    }
    webhook.backend_ref.name = StringField(ref, "name");
    webhook.backend_ref.namespace_name = StringField(ref, "namespace");
    if (webhook.backend_ref.namespace_name.empty()) {
      webhook.backend_ref.namespace_name = std::string(policy_namespace_);
    }
    if (const Value* port = Field(ref, "port"); port != nullptr && port->is_int()) {
      webhook.backend_ref.port = static_cast<int>(port->int_value());
    }
    if (const Value* matches = block.Find("forwardHeaderMatches")) {
      for (size_t i = 0; i < matches->items().size(); ++i) {
        const Value& match = matches->items()[i];
        ForwardHeaderMatch compiled{StringField(&match, "name"),
                                    StringField(&match, "type") == "RegularExpression",
                                    StringField(&match, "value"), nullptr};
        if (compiled.regular_expression) {
          auto pattern = std::make_shared<const re2::RE2>(compiled.value, re2::RE2::Quiet);
          if (pattern->ok()) {
            compiled.pattern = std::move(pattern);
          } else {
            problems_.push_back(path + ".forwardHeaderMatches[" + std::to_string(i) +
                                "]: invalid regex \"" + compiled.value + "\": " + pattern->error() +
                                "; the header is never forwarded");
          }
        }
        webhook.forward_header_matches.push_back(std::move(compiled));
      }
    }
    if (const Value* headers = block.Find("headers")) {
      for (const auto& entry : headers->entries()) {
        webhook.headers.emplace_back(entry.key, entry.value.text());
      }
    }
    webhook.failure_mode = StringField(&block, "failureMode") == "FailOpen"
                               ? FailureMode::kFailOpen
                               : FailureMode::kFailClosed;
    return webhook;
  }

  // API-server defaults for a block that omits them; a status outside 200-599 becomes 403, as
  // agentgateway's xDS conversion makes an invalid status 403.
  static Rejection CompileRejection(const Value* response) {
    Rejection rejection;
    if (const Value* message = Field(response, "message");
        message != nullptr && message->is_string()) {
      rejection.body = message->text();
    }
    if (const Value* status = Field(response, "statusCode");
        status != nullptr && status->is_int()) {
      std::int64_t code = status->int_value();
      rejection.status = code >= 200 && code <= 599 ? static_cast<int>(code) : 403;
    }
    return rejection;
  }

  ScopeSet CompileScope(const Value& entry, const std::string& path, GuardKind kind) {
    const Value* scope = entry.Find("scope");
    if (scope == nullptr || scope->is_null()) {
      return ScopeSet::Default();
    }
    ScopeSet scopes;
    for (const Value& item : scope->items()) {
      if (std::optional<ContentScope> parsed = ParseScope(item.text())) {
        scopes.Add(*parsed);
      } else {
        problems_.push_back(path + ".scope: unknown scope \"" + item.text() + "\"; ignored");
      }
    }
    if (scopes.empty()) {
      problems_.push_back(path + ".scope: empty; the default (SystemPrompt, Messages) applies");
      return ScopeSet::Default();
    }
    if (scopes != ScopeSet::Default() && kind != GuardKind::kRegex &&
        kind != GuardKind::kBedrockGuardrails) {
      problems_.push_back(path +
                          ".scope: only regex and bedrockGuardrails guards support a non-default "
                          "scope; the default (SystemPrompt, Messages) applies");
      return ScopeSet::Default();
    }
    return scopes;
  }

  static std::optional<ContentScope> ParseScope(std::string_view name) {
    if (name == "SystemPrompt") {
      return ContentScope::kSystemPrompt;
    }
    if (name == "Messages") {
      return ContentScope::kMessages;
    }
    if (name == "ToolOutput") {
      return ContentScope::kToolOutput;
    }
    if (name == "ToolInput") {
      return ContentScope::kToolInput;
    }
    return std::nullopt;
  }

  std::vector<std::string>& problems_;
  std::string_view policy_namespace_;
};

// --- Applying ----------------------------------------------------------------------------

using Walk = std::function<void(const TextVisitor&)>;

// A regex guard over the texts a walk offers: kReject at the first hit, kMask when a text was
// masked, else kAllow.
GuardVerdict::Action RunRegex(const RegexGuard& regex, const Walk& walk) {
  GuardVerdict::Action result = GuardVerdict::Action::kAllow;
  walk([&](ContentScope, std::string& text) {
    GuardVerdict::Action action = ApplyRegexToText(regex, text);
    if (action == GuardVerdict::Action::kReject) {
      result = action;
      return false;
    }
    if (action == GuardVerdict::Action::kMask) {
      result = action;
    }
    return true;
  });
  return result;
}

// Whether a guard of this kind is evaluated with `remote` (webhook and openAIModeration need a
// caller; bedrockGuardrails and googleModelArmor are never evaluated).
bool RemoteEvaluated(const Guard& guard, const RemoteGuardContext& remote) {
  return remote.caller != nullptr &&
         ((guard.kind == GuardKind::kWebhook && std::holds_alternative<WebhookGuard>(guard.spec)) ||
          (guard.kind == GuardKind::kOpenAIModeration &&
           std::holds_alternative<ModerationGuard>(guard.spec)));
}

GuardVerdict ApplyGuard(const Guard& guard, size_t index, const Walk& walk) {
  GuardVerdict verdict;
  verdict.guard_kind = std::string(GuardKindName(guard.kind));
  verdict.guard_index = index;
  const RegexGuard* regex = std::get_if<RegexGuard>(&guard.spec);
  if (guard.kind != GuardKind::kRegex || regex == nullptr) {
    verdict.action = GuardVerdict::Action::kNeedsRemoteCall;
    return verdict;
  }
  try {
    verdict.action = RunRegex(*regex, walk);
  } catch (const std::exception&) {
    // nlohmann or an allocation failed mid-walk: agentgateway's guard errors answer 503.
    verdict.action = GuardVerdict::Action::kError;
  }
  if (verdict.action == GuardVerdict::Action::kReject) {
    verdict.rejection = guard.rejection;
  }
  return verdict;
}

GuardResult ApplyGuards(const std::vector<Guard>& guards, std::string_view phase,
                        const RemoteGuardContext& remote,
                        const std::function<GuardVerdict(const Guard&, size_t)>& apply) {
  GuardResult result;
  for (size_t i = 0; i < guards.size(); ++i) {
    GuardVerdict verdict = apply(guards[i], i);
    std::string place = std::string(phase) + "[" + std::to_string(i) + "] ";
    if (verdict.action != GuardVerdict::Action::kNeedsRemoteCall &&
        remote.header_expressions == nullptr) {
      if (const auto* webhook = std::get_if<WebhookGuard>(&guards[i].spec);
          webhook != nullptr && !webhook->headers.empty()) {
        result.unenforced.push_back(place + "webhook headers");
      }
    }
    switch (verdict.action) {
      case GuardVerdict::Action::kNeedsRemoteCall:
        result.unenforced.push_back(place + verdict.guard_kind);
        break;
      case GuardVerdict::Action::kError:
        // No metric sample: agentgateway records none for a guard that failed.
        result.action = verdict.action;
        result.guard_kind = verdict.guard_kind;
        result.error = verdict.error;
        return result;
      case GuardVerdict::Action::kFailOpen:
        result.checks.push_back(std::move(verdict));
        break;
      case GuardVerdict::Action::kReject:
        result.action = verdict.action;
        result.rejection = verdict.rejection;
        result.guard_kind = verdict.guard_kind;
        result.checks.push_back(std::move(verdict));
        return result;
      case GuardVerdict::Action::kMask:
        result.action = GuardVerdict::Action::kMask;
        result.checks.push_back(std::move(verdict));
        break;
      case GuardVerdict::Action::kAllow:
        result.checks.push_back(std::move(verdict));
        break;
    }
  }
  return result;
}

// --- Streaming ---------------------------------------------------------------------------

// A member of an object, or nullptr.
const Json* MemberOf(const Json& value, std::string_view key) {
  if (!value.is_object()) {
    return nullptr;
  }
  auto found = value.find(std::string(key));
  return found == value.end() ? nullptr : &*found;
}

const std::string* StringAt(const Json* value, std::string_view key) {
  const Json* member = value == nullptr ? nullptr : MemberOf(*value, key);
  return member != nullptr && member->is_string() ? &member->get_ref<const std::string&>()
                                                  : nullptr;
}

// Gemini: the visible text of every candidate (parts with `thought: true` left out).
std::string GeminiDeltaText(const Json& candidates) {
  std::string text;
  for (const Json& candidate : candidates) {
    const Json* parts = MemberOf(candidate, "content");
    parts = parts == nullptr ? nullptr : MemberOf(*parts, "parts");
    if (parts == nullptr || !parts->is_array()) {
      continue;
    }
    for (const Json& part : *parts) {
      const Json* thought = MemberOf(part, "thought");
      bool is_thought = thought != nullptr && thought->is_boolean() && thought->get<bool>();
      if (const std::string* part_text = StringAt(&part, "text"); part_text && !is_thought) {
        text += *part_text;
      }
    }
  }
  return text;
}

// The text delta of one SSE `data` payload; the first shape that fits wins.
std::string DeltaText(const std::string& data) {
  if (data == "[DONE]") {
    return {};
  }
  Json doc = llm::ReadJson(data);
  if (!doc.is_object()) {
    return {};
  }
  const std::string* type = StringAt(&doc, "type");
  if (type != nullptr && *type == "response.output_text.delta") {
    const std::string* delta = StringAt(&doc, "delta");
    return delta != nullptr ? *delta : std::string();
  }
  const Json* choices = MemberOf(doc, "choices");
  if (choices != nullptr && choices->is_array() && !choices->empty()) {
    if (const std::string* content = StringAt(MemberOf((*choices)[0], "delta"), "content")) {
      return *content;
    }
  }
  if (const std::string* text = StringAt(MemberOf(doc, "delta"), "text")) {
    return *text;
  }
  const Json* candidates = MemberOf(doc, "candidates");
  return candidates != nullptr && candidates->is_array() ? GeminiDeltaText(*candidates)
                                                         : std::string();
}

// The text of one frame (the data of the events in it).
std::string FrameText(std::string_view frame) {
  std::string text;
  try {
    llm::SseParser parser;
    auto sink = [&](const llm::SseEvent& event) { text += DeltaText(event.data); };
    parser.Feed(frame, sink);
    parser.Finish(sink);
  } catch (const std::exception&) {
    // A frame whose text cannot be read contributes none, as non-JSON frames do upstream.
  }
  return text;
}

// The last `limit` bytes of `window`, starting on a UTF-8 character boundary.
std::string Tail(const std::string& window, size_t limit) {
  if (window.size() <= limit) {
    return window;
  }
  size_t start = window.size() - limit;
  while (start < window.size() && (static_cast<unsigned char>(window[start]) & 0xC0) == 0x80) {
    ++start;
  }
  return window.substr(start);
}

}  // namespace

RegexRule RegexRule::OfBuiltin(Builtin builtin) {
  RegexRule rule;
  rule.builtin = builtin;
  rule.source = std::string(BuiltinName(builtin));
  return rule;
}

Expected<RegexRule> CompilePattern(std::string_view pattern) {
  auto compiled = std::make_shared<const re2::RE2>(pattern, re2::RE2::Quiet);
  if (!compiled->ok()) {
    return MakeError("invalid regex \"" + std::string(pattern) + "\": " + compiled->error());
  }
  RegexRule rule;
  rule.pattern = std::move(compiled);
  rule.source = std::string(pattern);
  return rule;
}

std::string_view GuardKindName(GuardKind kind) {
  switch (kind) {
    case GuardKind::kRegex:
      return "regex";
    case GuardKind::kWebhook:
      return "webhook";
    case GuardKind::kOpenAIModeration:
      return "openAIModeration";
    case GuardKind::kBedrockGuardrails:
      return "bedrockGuardrails";
    case GuardKind::kGoogleModelArmor:
      return "googleModelArmor";
  }
  return "";
}

CompiledPromptGuard CompilePromptGuard(const Value& prompt_guard,
                                       std::string_view policy_namespace) {
  CompiledPromptGuard compiled;
  compiled.streaming = StringField(&prompt_guard, "streaming") == "Enabled";
  GuardCompiler compiler(compiled.problems, policy_namespace);
  for (bool request_side : {true, false}) {
    std::string side = request_side ? "request" : "response";
    const Value* list = prompt_guard.Find(side);
    if (list == nullptr) {
      continue;
    }
    std::vector<Guard>& guards = request_side ? compiled.request : compiled.response;
    for (size_t i = 0; i < list->items().size(); ++i) {
      std::string path = "promptGuard." + side + "[" + std::to_string(i) + "]";
      if (std::optional<Guard> guard = compiler.Compile(list->items()[i], path, request_side)) {
        guards.push_back(std::move(*guard));
      }
    }
  }
  return compiled;
}

bool SupportsPromptGuard(llm::InputFormat format) {
  return format == llm::InputFormat::kCompletions || format == llm::InputFormat::kMessages ||
         format == llm::InputFormat::kResponses || format == llm::InputFormat::kGemini;
}

std::optional<std::string_view> GuardMetricAction(GuardVerdict::Action action) {
  switch (action) {
    case GuardVerdict::Action::kAllow:
      return "Allow";
    case GuardVerdict::Action::kMask:
      return "Mask";
    case GuardVerdict::Action::kReject:
      return "Reject";
    case GuardVerdict::Action::kFailOpen:
      return "FailOpen";
    default:
      return std::nullopt;
  }
}

GuardVerdict::Action ApplyRegexToText(const RegexGuard& regex, std::string& text) {
  if (regex.action == RegexAction::kReject) {
    return RegexRejects(regex, text) ? GuardVerdict::Action::kReject : GuardVerdict::Action::kAllow;
  }
  bool masked = false;
  for (const RegexRule& rule : regex.rules) {
    masked = MaskWithRule(rule, text) || masked;
  }
  return masked ? GuardVerdict::Action::kMask : GuardVerdict::Action::kAllow;
}

bool PlausiblePhoneNumber(std::string_view candidate) {
  std::string digits;
  for (char c : candidate) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    }
  }
  if (!candidate.empty() && candidate[0] == '+') {
    return InternationalNumber(digits);
  }
  if (digits.size() < 9) {
    return false;
  }
  if (digits[0] == '0') {
    return digits.size() <= 12;
  }
  bool indian_mobile = digits.size() == 10 && digits[0] >= '6';
  return NanpNumber(digits) || indian_mobile || BrazilianNumber(digits);
}

GuardVerdict ApplyRequestGuard(const Guard& guard, size_t index, llm::InputFormat format,
                               Json& request, const RemoteGuardContext& remote) {
  if (RemoteEvaluated(guard, remote)) {
    return guard.kind == GuardKind::kWebhook
               ? EvaluateWebhookRequest(guard, index, format, request, remote)
               : EvaluateModeration(guard, index, format, request, remote);
  }
  return ApplyGuard(guard, index, [&](const TextVisitor& visit) {
    VisitRequestTexts(format, request, guard.scope, visit);
  });
}

RequestGuardResult ApplyRequestGuards(const CompiledPromptGuard& guard, llm::InputFormat format,
                                      Json& request, const RemoteGuardContext& remote) {
  if (!SupportsPromptGuard(format)) {
    return {};
  }
  return ApplyGuards(guard.request, "request", remote, [&](const Guard& one, size_t index) {
    return ApplyRequestGuard(one, index, format, request, remote);
  });
}

GuardVerdict ApplyResponseGuard(const Guard& guard, size_t index, llm::InputFormat format,
                                Json& client_response, const RemoteGuardContext& remote) {
  // openAIModeration is request-only (the compiler drops it from response lists).
  if (RemoteEvaluated(guard, remote) && guard.kind == GuardKind::kWebhook) {
    return EvaluateWebhookResponse(guard, index, format, client_response, remote);
  }
  return ApplyGuard(guard, index, [&](const TextVisitor& visit) {
    VisitResponseTexts(format, client_response, guard.scope, visit);
  });
}

ResponseGuardResult ApplyResponseGuards(const CompiledPromptGuard& guard, llm::InputFormat format,
                                        Json& client_response, const RemoteGuardContext& remote) {
  if (!SupportsPromptGuard(format)) {
    return {};
  }
  return ApplyGuards(guard.response, "response", remote, [&](const Guard& one, size_t index) {
    return ApplyResponseGuard(one, index, format, client_response, remote);
  });
}

bool GuardsStream(const CompiledPromptGuard& guard, llm::InputFormat format) {
  return guard.streaming && !guard.response.empty() && format != llm::InputFormat::kDetect;
}

std::string GuardrailBlockedFrame(std::string_view body) {
  std::string frame =
      "data: {\"error\":{\"type\":\"guardrail_blocked\",\"code\":\"guardrail_intervention\","
      "\"message\":";
  llm::AppendJsonString(llm::Utf8Lossy(body), frame);
  frame += "}}\n\n";
  return frame;
}

StreamingGuard::StreamingGuard(const CompiledPromptGuard& guard, StreamingLimits limits)
    : guards_(guard.response), limits_(limits) {
  for (size_t i = 0; i < guards_.size(); ++i) {
    if (guards_[i].kind != GuardKind::kRegex) {
      unenforced_.push_back("response[" + std::to_string(i) + "] " +
                            std::string(GuardKindName(guards_[i].kind)));
    }
  }
}

StreamStep StreamingGuard::Feed(std::string_view sse_bytes, std::string& out) {
  if (blocked_) {
    return StreamStep::kBlocked;
  }
  partial_.append(sse_bytes);
  TakeFrames(false, out);
  if (!blocked_ && partial_.size() > limits_.buffer_limit) {
    // One event longer than the whole buffer: held as opaque bytes (no text) to stay bounded.
    held_.append(partial_);
    partial_.clear();
    scan_at_ = 0;
    Evaluate(out);
  }
  return blocked_ ? StreamStep::kBlocked : StreamStep::kContinue;
}

StreamStep StreamingGuard::Finish(std::string& out) {
  if (blocked_) {
    return StreamStep::kBlocked;
  }
  TakeFrames(true, out);
  if (!blocked_ && !partial_.empty()) {
    // The SSE decoder still delivers an event whose blank line never came.
    std::string last = std::move(partial_);
    partial_.clear();
    scan_at_ = 0;
    TakeFrame(last, out);
  }
  if (!blocked_) {
    Evaluate(out);
  }
  return blocked_ ? StreamStep::kBlocked : StreamStep::kContinue;
}

// Cuts partial_ into frames, each ending with its blank line (LF, CRLF or CR line ends).
void StreamingGuard::TakeFrames(bool at_eof, std::string& out) {
  size_t frame_start = 0;
  size_t i = scan_at_;
  while (i < partial_.size() && !blocked_) {
    char c = partial_[i];
    if (c != '\n' && c != '\r') {
      line_start_ = false;
      ++i;
      continue;
    }
    size_t length = 1;
    if (c == '\r') {
      if (i + 1 == partial_.size() && !at_eof) {
        break;  // a CRLF may be cut here: decide when the next byte comes
      }
      if (i + 1 < partial_.size() && partial_[i + 1] == '\n') {
        length = 2;
      }
    }
    i += length;
    if (!line_start_) {
      line_start_ = true;
      continue;
    }
    TakeFrame(std::string_view(partial_).substr(frame_start, i - frame_start), out);
    frame_start = i;
  }
  if (blocked_) {
    partial_.clear();
    scan_at_ = 0;
    return;
  }
  partial_.erase(0, frame_start);
  scan_at_ = i - frame_start;
}

void StreamingGuard::TakeFrame(std::string_view frame, std::string& out) {
  held_.append(frame);
  pending_ += FrameText(frame);
  if (pending_.size() >= limits_.eval_threshold || held_.size() >= limits_.buffer_limit) {
    Evaluate(out);
  }
}

// One window: the overlap tail of the last window and the pending text, through every regex
// Reject guard in order (Mask guards pass: streams are never masked).
void StreamingGuard::Evaluate(std::string& out) {
  if (pending_.empty()) {
    Flush(out);
    return;
  }
  std::string window = overlap_ + pending_;
  pending_.clear();
  for (const Guard& guard : guards_) {
    const RegexGuard* regex = std::get_if<RegexGuard>(&guard.spec);
    if (guard.kind != GuardKind::kRegex || regex == nullptr ||
        regex->action != RegexAction::kReject) {
      continue;
    }
    if (RegexRejects(*regex, window)) {
      Block(guard.rejection, out);
      return;
    }
  }
  Flush(out);
  overlap_ = Tail(window, limits_.overlap_bytes);
}

void StreamingGuard::Flush(std::string& out) {
  out.append(held_);
  held_.clear();
}

void StreamingGuard::Block(const Rejection& rejection, std::string& out) {
  held_.clear();
  pending_.clear();
  overlap_.clear();
  blocked_ = true;
  out.append(GuardrailBlockedFrame(rejection.body));
}

}  // namespace agw::emulator::policy
