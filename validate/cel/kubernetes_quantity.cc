// The Kubernetes quantity library (k8s.io/apiserver/pkg/cel/library quantity.go) over quantities
// kept as resource.Quantity keeps them. A Go quantity is either an int64 scaled by a power of ten
// or an inf.Dec (a big unscaled integer over a power of ten), and which one it is shows through
// the library: isInteger and asInteger answer false for every inf.Dec, and asApproximateFloat
// multiplies the form's own mantissa and exponent. So both forms are reproduced, with the same
// rules for which operation yields which; values are compared and summed exactly, as decimal
// digit strings, never through doubles.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <tl/expected.hpp>
#include <vector>

#include "validate/cel/library.h"

namespace agw::validate::cel::library {
namespace {

constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinInt64 = std::numeric_limits<std::int64_t>::min();

// Results of exact arithmetic wider than this many digits are refused rather than computed:
// only absurd exponents (1e100000 + 1) get there, where Go would spend minutes or memory.
constexpr std::int64_t kMaxDigits = 100000;

constexpr char kFormatWrong[] =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr char kNumericError[] = "unable to parse numeric part of quantity";
constexpr char kSuffixError[] = "unable to parse quantity's suffix";
constexpr char kTooLarge[] = "quantity too large to compute exactly";

// An exact decimal: digits × 10^exponent, digits without leading or trailing zeros ("" is 0).
struct Decimal {
  bool negative = false;
  std::string digits;
  std::int64_t exponent = 0;

  bool IsZero() const { return digits.empty(); }
  int Sign() const { return IsZero() ? 0 : negative ? -1 : 1; }
};

Decimal Normalize(bool negative, std::string digits, std::int64_t exponent) {
  std::size_t lead = digits.find_first_not_of('0');
  if (lead == std::string::npos) {
    return Decimal{};
  }
  digits.erase(0, lead);
  std::size_t last = digits.find_last_not_of('0');
  exponent += static_cast<std::int64_t>(digits.size() - 1 - last);
  digits.resize(last + 1);
  return Decimal{negative, std::move(digits), exponent};
}

std::string MagnitudeDigits(std::int64_t v) {
  std::uint64_t magnitude =
      v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
  return std::to_string(magnitude);
}

Decimal FromScaled(std::int64_t value, std::int64_t exponent) {
  return Normalize(value < 0, MagnitudeDigits(value), exponent);
}

// The order of |a| and |b|.
int CompareMagnitude(const Decimal& a, const Decimal& b) {
  if (a.IsZero() || b.IsZero()) {
    return a.IsZero() == b.IsZero() ? 0 : a.IsZero() ? -1 : 1;
  }
  std::int64_t a_top = a.exponent + static_cast<std::int64_t>(a.digits.size());
  std::int64_t b_top = b.exponent + static_cast<std::int64_t>(b.digits.size());
  if (a_top != b_top) {
    return a_top < b_top ? -1 : 1;
  }
  // With no trailing zeros, digit strings of the same magnitude order as text.
  int order = a.digits.compare(b.digits);
  return order < 0 ? -1 : order > 0 ? 1 : 0;
}

int Compare(const Decimal& a, const Decimal& b) {
  if (a.Sign() != b.Sign()) {
    return a.Sign() < b.Sign() ? -1 : 1;
  }
  int magnitude = CompareMagnitude(a, b);
  return a.negative ? -magnitude : magnitude;
}

// The digit of `d` at the place 10^place.
int DigitAt(const Decimal& d, std::int64_t place) {
  std::int64_t index = static_cast<std::int64_t>(d.digits.size()) - 1 - (place - d.exponent);
  if (index < 0 || index >= static_cast<std::int64_t>(d.digits.size())) {
    return 0;
  }
  return d.digits[static_cast<std::size_t>(index)] - '0';
}

tl::expected<Decimal, std::string> Add(const Decimal& a, const Decimal& b) {
  if (a.IsZero()) {
    return b;
  }
  if (b.IsZero()) {
    return a;
  }
  std::int64_t low = std::min(a.exponent, b.exponent);
  std::int64_t high = std::max(a.exponent + static_cast<std::int64_t>(a.digits.size()),
                               b.exponent + static_cast<std::int64_t>(b.digits.size()));
  if (high - low > kMaxDigits) {
    return tl::unexpected(std::string(kTooLarge));
  }
  bool same_sign = a.negative == b.negative;
  // Subtraction takes the smaller magnitude from the larger, which keeps its sign.
  const Decimal& big = same_sign || CompareMagnitude(a, b) >= 0 ? a : b;
  const Decimal& small = &big == &a ? b : a;
  std::string digits(static_cast<std::size_t>(high - low + 1), '0');
  int carry = 0;
  for (std::int64_t place = low; place <= high; ++place) {
    int d = same_sign ? DigitAt(big, place) + DigitAt(small, place) + carry
                      : DigitAt(big, place) - DigitAt(small, place) - carry;
    carry = same_sign ? d / 10 : d < 0 ? 1 : 0;
    d = same_sign ? d % 10 : d + 10 * carry;
    digits[static_cast<std::size_t>(high - place)] = static_cast<char>('0' + d);
  }
  return Normalize(big.negative, std::move(digits), low);
}

Decimal Negate(Decimal d) {
  if (!d.IsZero()) {
    d.negative = !d.negative;
  }
  return d;
}

// `digits` (a decimal string) times a small factor.
std::string MultiplySmall(const std::string& digits, std::uint64_t factor) {
  std::string out;
  std::uint64_t carry = 0;
  for (std::size_t i = digits.size(); i-- > 0;) {
    std::uint64_t v = static_cast<std::uint64_t>(digits[i] - '0') * factor + carry;
    out += static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  for (int i = 0; carry > 0 && i < 40; ++i) {
    out += static_cast<char>('0' + carry % 10);
    carry /= 10;
  }
  return std::string(out.rbegin(), out.rend());
}

// a × b, both decimal digit strings.
std::string MultiplyDigits(const std::string& a, const std::string& b) {
  std::vector<int> product(a.size() + b.size(), 0);
  for (std::size_t i = a.size(); i-- > 0;) {
    for (std::size_t j = b.size(); j-- > 0;) {
      std::size_t k = i + j + 1;
      int v = (a[i] - '0') * (b[j] - '0') + product[k];
      product[k] = v % 10;
      product[k - 1] += v / 10;
    }
  }
  std::string out;
  for (int d : product) {
    out += static_cast<char>('0' + d);
  }
  return out;
}

// v × 10^power when that fits an int64 (the resource package's positiveScaleInt64).
std::optional<std::int64_t> ScaleUp(std::int64_t v, std::int64_t power) {
  if (v == 0) {
    return 0;
  }
  for (std::int64_t i = 0; i < power; ++i) {
    if (i >= 19 || __builtin_mul_overflow(v, 10, &v)) {
      return std::nullopt;
    }
  }
  return v;
}

std::int32_t Wrap32(std::int64_t v) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
}

// A resource.Quantity's amount, in either of its two forms.
struct Amount {
  bool is_dec = false;
  // int64Amount: value × 10^scale.
  std::int64_t value = 0;
  std::int32_t scale = 0;
  // inf.Dec: the exact value, and its inf scale (digits after the point of its unscaled integer).
  Decimal dec;
  std::int64_t dec_scale = 0;

  Decimal Exact() const { return is_dec ? dec : FromScaled(value, scale); }
  int Sign() const { return is_dec ? dec.Sign() : value == 0 ? 0 : value < 0 ? -1 : 1; }
  // Quantity.ToDec / AsDec.
  Amount AsDec() const {
    if (is_dec) {
      return *this;
    }
    Amount out;
    out.is_dec = true;
    out.dec = Exact();
    out.dec_scale = -static_cast<std::int64_t>(scale);
    return out;
  }
};

Amount Int64Amount(std::int64_t value, std::int32_t scale) {
  Amount out;
  out.value = value;
  out.scale = scale;
  return out;
}

// int64Amount.Add: nullopt when the int64 form would overflow.
std::optional<Amount> AddInt64(const Amount& a, const Amount& b) {
  if (b.value == 0) {
    return a;
  }
  if (a.value == 0) {
    return b;
  }
  std::int64_t sum = 0;
  if (a.scale == b.scale) {
    if (__builtin_add_overflow(a.value, b.value, &sum)) {
      return std::nullopt;
    }
    return Int64Amount(sum, a.scale);
  }
  const Amount& coarse = a.scale > b.scale ? a : b;
  const Amount& fine = a.scale > b.scale ? b : a;
  std::optional<std::int64_t> scaled =
      ScaleUp(coarse.value, static_cast<std::int64_t>(coarse.scale) - fine.scale);
  if (!scaled || __builtin_add_overflow(*scaled, fine.value, &sum)) {
    return std::nullopt;
  }
  return Int64Amount(sum, fine.scale);
}

// inf.Dec.Add: the exact sum at the larger of the two inf scales.
tl::expected<Amount, std::string> AddDec(const Amount& a, const Amount& b) {
  Amount x = a.AsDec(), y = b.AsDec();
  auto sum = Add(x.dec, y.dec);
  if (!sum) {
    return tl::unexpected(sum.error());
  }
  x.dec = std::move(*sum);
  x.dec_scale = std::max(x.dec_scale, y.dec_scale);
  return x;
}

// Quantity.Add.
tl::expected<Amount, std::string> QuantityAdd(const Amount& q, const Amount& y) {
  if (!q.is_dec && !y.is_dec) {
    if (std::optional<Amount> sum = AddInt64(q, y)) {
      return *sum;
    }
  }
  return AddDec(q, y);
}

// Quantity.Sub.
tl::expected<Amount, std::string> QuantitySub(const Amount& q, const Amount& y) {
  if (!q.is_dec && !y.is_dec && y.value != kMinInt64) {
    if (std::optional<Amount> sum = AddInt64(q, Int64Amount(-y.value, y.scale))) {
      return *sum;
    }
  }
  Amount negated = y.AsDec();
  negated.dec = Negate(negated.dec);
  return AddDec(q, negated);
}

// Quantity.Mul.
tl::expected<Amount, std::string> QuantityMul(const Amount& q, std::int64_t y) {
  if (!q.is_dec) {
    if (q.value == 0) {
      return q;
    }
    if (y == 0) {
      return Int64Amount(0, 0);
    }
    std::int64_t product = 0;
    if (!__builtin_mul_overflow(q.value, y, &product)) {
      if (q.scale == 0) {
        return Int64Amount(product, 0);
      }
      // A positive scale must still fit when applied; a negative one must divide evenly.
      if (q.scale > 0 && ScaleUp(product, q.scale)) {
        return Int64Amount(product, q.scale);
      }
      if (q.scale < 0) {
        std::int64_t divisor = 1;
        bool exact = true;
        for (std::int64_t i = 0; i < -static_cast<std::int64_t>(q.scale) && exact; ++i) {
          exact = i < 18 && product % (divisor * 10) == 0;
          divisor *= exact ? 10 : 1;
        }
        if (exact) {
          return Int64Amount(product, q.scale);
        }
      }
    }
  }
  Amount out = q.AsDec();
  if (out.dec.IsZero() || y == 0) {
    out.dec = Decimal{};
    return out;
  }
  if (static_cast<std::int64_t>(out.dec.digits.size()) > kMaxDigits) {
    return tl::unexpected(std::string(kTooLarge));
  }
  out.dec = Normalize(out.dec.negative != (y < 0),
                      MultiplyDigits(out.dec.digits, MagnitudeDigits(y)), out.dec.exponent);
  return out;
}

// math.Pow10, whose table products a correctly rounded power would not always match.
double GoPow10(std::int64_t n) {
  static constexpr double kTab[] = {1e00, 1e01, 1e02, 1e03, 1e04, 1e05, 1e06, 1e07,
                                    1e08, 1e09, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23,
                                    1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31};
  static constexpr double kPos32[] = {1e00,  1e32,  1e64,  1e96,  1e128,
                                      1e160, 1e192, 1e224, 1e256, 1e288};
  static constexpr double kNeg32[] = {1e-00,  1e-32,  1e-64,  1e-96,  1e-128, 1e-160,
                                      1e-192, 1e-224, 1e-256, 1e-288, 1e-320};
  if (n >= 0 && n <= 308) {
    return kPos32[n / 32] * kTab[n % 32];
  }
  if (n < 0 && n >= -323) {
    return kNeg32[-n / 32] / kTab[-n % 32];
  }
  return n > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

// Quantity.AsApproximateFloat64: the form's mantissa as a double times 10^exponent.
double ApproximateFloat(const Amount& q) {
  double base = 0;
  std::int64_t exponent = 0;
  if (q.is_dec) {
    if (!q.dec.IsZero()) {
      // The unscaled integer rounded to the nearest double, as big.Float's Float64 rounds.
      std::string text = q.dec.digits + "e" + std::to_string(q.dec.exponent + q.dec_scale);
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), base);
      if (ec == std::errc::result_out_of_range) {
        base = std::numeric_limits<double>::infinity();
      }
      if (q.dec.negative) {
        base = -base;
      }
    }
    exponent = -q.dec_scale;
  } else {
    base = static_cast<double>(q.value);
    exponent = q.scale;
  }
  if (exponent == 0) {
    return base;
  }
  return base * GoPow10(exponent);
}

// resource.Quantity.AsInt64.
std::optional<std::int64_t> AsInt64(const Amount& q) {
  if (q.is_dec || q.scale < 0) {
    return std::nullopt;
  }
  return ScaleUp(q.value, q.scale);
}

struct Suffix {
  int base = 10;
  std::int32_t exponent = 0;
  bool binary = false;
};

// The suffixer's interpret.
std::optional<Suffix> InterpretSuffix(std::string_view s) {
  static constexpr std::pair<std::string_view, int> kDecimal[] = {
      {"", 0},  {"n", -9}, {"u", -6}, {"m", -3}, {"k", 3},
      {"M", 6}, {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> kBinary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (auto [text, exponent] : kDecimal) {
    if (s == text) {
      return Suffix{10, exponent, false};
    }
  }
  for (auto [text, exponent] : kBinary) {
    if (s == text) {
      return Suffix{2, exponent, true};
    }
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    // strconv.ParseInt(s[1:], 10, 64), then narrowed to int32 as Go's conversion wraps.
    std::string_view number = s.substr(1);
    if (number[0] == '+') {
      number.remove_prefix(1);
    }
    std::int64_t parsed = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), parsed);
    if (ec != std::errc() || end != number.data() + number.size() || number.empty() ||
        (number[0] == '-' && s[1] == '+')) {
      return std::nullopt;
    }
    return Suffix{10, Wrap32(parsed), false};
  }
  return std::nullopt;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// resource.ParseQuantity.
tl::expected<Amount, std::string> ParseQuantity(std::string_view str) {
  using tl::unexpected;
  if (str.empty()) {
    return unexpected(std::string(kFormatWrong));
  }
  if (str == "0") {
    return Amount{};
  }

  // parseQuantityString: sign, digits, optional fraction, then the suffix's letters, sign and
  // digits. A string of only a sign and zeros is zero, whatever follows is not looked at.
  bool positive = true;
  std::size_t pos = 0, end = str.size();
  if (str[0] == '-' || str[0] == '+') {
    positive = str[0] == '+';
    ++pos;
  }
  while (pos < end && str[pos] == '0') {
    ++pos;
  }
  if (pos >= end) {
    return Amount{};
  }
  std::size_t num_begin = pos;
  while (pos < end && IsDigit(str[pos])) {
    ++pos;
  }
  std::string num(str.substr(num_begin, pos - num_begin));
  if (num.empty()) {
    num = "0";
  }
  std::string denom;
  std::string_view suffix;
  std::string_view value;
  bool done = false;
  if (pos >= end) {
    value = str;
    done = true;
  } else if (str[pos] == '.') {
    std::size_t denom_begin = ++pos;
    while (pos < end && IsDigit(str[pos])) {
      ++pos;
    }
    denom = std::string(str.substr(denom_begin, pos - denom_begin));
    if (pos >= end) {
      value = str;
      done = true;
    }
  }
  if (!done) {
    value = str.substr(0, pos);
    std::size_t suffix_begin = pos;
    static constexpr std::string_view kLetters = "eEinumkKMGTP";
    while (pos < end && kLetters.find(str[pos]) != std::string_view::npos) {
      ++pos;
    }
    if (pos < end && (str[pos] == '-' || str[pos] == '+')) {
      ++pos;
    }
    while (pos < end && IsDigit(str[pos])) {
      ++pos;
    }
    if (pos < end) {
      return unexpected(std::string(kFormatWrong));
    }
    suffix = str.substr(suffix_begin);
  }

  std::optional<Suffix> parsed_suffix = InterpretSuffix(suffix);
  if (!parsed_suffix) {
    return unexpected(std::string(kSuffixError));
  }
  const Suffix& sfx = *parsed_suffix;

  // The int64 fast path, when the digits surely fit.
  std::int64_t precision = 0;
  std::int32_t scale = 0;
  std::int64_t mantissa = 1;
  if (!sfx.binary) {
    scale = sfx.exponent;
    precision = 18 - static_cast<std::int64_t>(num.size() + denom.size());
  } else if (denom.empty()) {
    mantissa = std::int64_t{1} << sfx.exponent;
    precision = 15 - static_cast<std::int64_t>(num.size()) - sfx.exponent * 3 / 10 - 1;
  } else {
    precision = -1;
  }
  if (precision >= 0) {
    scale = Wrap32(static_cast<std::int64_t>(scale) - static_cast<std::int64_t>(denom.size()));
    if (scale >= -9) {
      std::string shifted = num + denom;
      std::int64_t digits = 0;
      std::from_chars(shifted.data(), shifted.data() + shifted.size(), digits);
      std::int64_t result = 0;
      if (!__builtin_mul_overflow(digits, mantissa, &result)) {
        return Int64Amount(positive ? result : -result, scale);
      }
    }
  }

  // The inf.Dec path: the number as written, its scale moved by the suffix, rounded up to
  // nanos, binary values capped at the int64 maximum.
  std::string unscaled;
  std::int64_t point = -1;
  for (char c : value) {
    if (IsDigit(c)) {
      unscaled += c;
    } else if (c == '.') {
      point = static_cast<std::int64_t>(unscaled.size());
    }
  }
  if (unscaled.empty()) {
    return unexpected(std::string(kNumericError));
  }
  std::int32_t inf_scale =
      point < 0 ? 0 : Wrap32(static_cast<std::int64_t>(unscaled.size()) - point);
  if (sfx.binary) {
    for (int i = 0; i < sfx.exponent / 10; ++i) {
      unscaled = MultiplySmall(unscaled, 1024);
    }
  } else {
    inf_scale = Wrap32(static_cast<std::int64_t>(inf_scale) + Wrap32(-std::int64_t{sfx.exponent}));
  }
  Amount out;
  out.is_dec = true;
  out.dec = Normalize(false, unscaled, -static_cast<std::int64_t>(inf_scale));
  out.dec_scale = inf_scale;
  if (!out.dec.IsZero()) {
    out.dec_scale = 9;
    if (out.dec.exponent < -9) {
      std::int64_t drop = -9 - out.dec.exponent;
      std::string kept;
      if (drop < static_cast<std::int64_t>(out.dec.digits.size())) {
        kept = out.dec.digits.substr(0, out.dec.digits.size() - static_cast<std::size_t>(drop));
      }
      // Everything dropped ends in a nonzero digit, so rounding up adds one nano.
      auto rounded = Add(Normalize(false, kept, -9), Decimal{false, "1", -9});
      if (!rounded) {
        return unexpected(rounded.error());
      }
      out.dec = std::move(*rounded);
    }
    if (sfx.binary && Compare(out.dec, FromScaled(kMaxInt64, 0)) > 0) {
      out.dec = FromScaled(kMaxInt64, 0);
      out.dec_scale = 0;
    }
  }
  if (!positive) {
    out.dec = Negate(out.dec);
  }
  return out;
}

class QuantityValue : public OpaqueValue {
 public:
  explicit QuantityValue(Amount amount) : amount_(std::move(amount)) {}
  std::string_view TypeName() const override { return "kubernetes.Quantity"; }
  // Quantity.Equal: equal values, whatever their forms (1 and 1000m are equal).
  bool Equals(const OpaqueValue& other) const override {
    const auto* q = dynamic_cast<const QuantityValue*>(&other);
    return q != nullptr && Compare(amount_.Exact(), q->amount_.Exact()) == 0;
  }
  const Amount& amount() const { return amount_; }

 private:
  Amount amount_;
};

const Amount* AsQuantity(const Value& v) {
  if (v.kind() != Value::Kind::kOpaque) {
    return nullptr;
  }
  const auto* q = dynamic_cast<const QuantityValue*>(&v.opaque());
  return q == nullptr ? nullptr : &q->amount();
}

Value QuantityOf(tl::expected<Amount, std::string> amount) {
  if (!amount) {
    return Value::Error(amount.error());
  }
  return Value::Opaque(std::make_shared<const QuantityValue>(std::move(*amount)));
}

}  // namespace

std::optional<Value> CallQuantity(std::string_view function, std::span<const Value> args) {
  if (args.empty() || args.size() > 2) {
    return std::nullopt;
  }
  const Value& first = args[0];
  if (first.kind() == Value::Kind::kString) {
    if (args.size() != 1) {
      return std::nullopt;
    }
    if (function == "quantity") {
      return QuantityOf(ParseQuantity(first.text()));
    }
    if (function == "isQuantity") {
      return Value::Bool(ParseQuantity(first.text()).has_value());
    }
    return std::nullopt;
  }
  const Amount* q = AsQuantity(first);
  if (q == nullptr) {
    return std::nullopt;
  }
  if (args.size() == 1) {
    if (function == "sign") {
      return Value::Int(q->Sign());
    }
    if (function == "isInteger") {
      return Value::Bool(AsInt64(*q).has_value());
    }
    if (function == "asInteger") {
      std::optional<std::int64_t> v = AsInt64(*q);
      if (!v) {
        return Value::Error("cannot convert value to integer");
      }
      return Value::Int(*v);
    }
    if (function == "asApproximateFloat") {
      return Value::Double(ApproximateFloat(*q));
    }
    return std::nullopt;
  }
  const Value& second = args[1];
  if (second.kind() == Value::Kind::kInt) {
    Amount other = Int64Amount(second.int_value(), 0);
    if (function == "add") {
      return QuantityOf(QuantityAdd(*q, other));
    }
    if (function == "sub") {
      return QuantityOf(QuantitySub(*q, other));
    }
    if (function == "mul") {
      return QuantityOf(QuantityMul(*q, second.int_value()));
    }
    return std::nullopt;
  }
  const Amount* y = AsQuantity(second);
  if (y == nullptr) {
    return std::nullopt;
  }
  if (function == "add") {
    return QuantityOf(QuantityAdd(*q, *y));
  }
  if (function == "sub") {
    return QuantityOf(QuantitySub(*q, *y));
  }
  int order = Compare(q->Exact(), y->Exact());
  if (function == "isLessThan") {
    return Value::Bool(order < 0);
  }
  if (function == "isGreaterThan") {
    return Value::Bool(order > 0);
  }
  if (function == "compareTo") {
    return Value::Int(order);
  }
  return std::nullopt;
}

}  // namespace agw::validate::cel::library
