// The Kubernetes URL, IP, CIDR and quantity libraries, evaluated through the parser and the
// evaluator: the examples of the libraries' doc comments (k8s.io/apiserver/pkg/cel/library),
// of their Go tests and of the "CEL in Kubernetes" page, with the API server's error texts,
// and first the expressions the built-in CRDs use.

#include <catch2/catch.hpp>
#include <limits>
#include <string>

#include "validate/cel/eval.h"
#include "validate/cel/parser.h"

namespace agw::validate::cel {
namespace {

Value Eval(const std::string& text, const Activation& activation = Activation()) {
  auto ast = Parse(text);
  REQUIRE(ast.has_value());
  return Evaluate(*ast->root, activation);
}

bool True(const std::string& text, const Activation& activation = Activation()) {
  Value v = Eval(text, activation);
  INFO(text << " -> " << (v.is_error() ? v.text() : std::string(v.TypeName())));
  REQUIRE(v.kind() == Value::Kind::kBool);
  return v.bool_value();
}

std::string Str(const std::string& text) {
  Value v = Eval(text);
  INFO(text << (v.is_error() ? " -> " + v.text() : ""));
  REQUIRE(v.kind() == Value::Kind::kString);
  return v.text();
}

std::int64_t Int(const std::string& text) {
  Value v = Eval(text);
  INFO(text << (v.is_error() ? " -> " + v.text() : ""));
  REQUIRE(v.kind() == Value::Kind::kInt);
  return v.int_value();
}

double Double(const std::string& text) {
  Value v = Eval(text);
  INFO(text << (v.is_error() ? " -> " + v.text() : ""));
  REQUIRE(v.kind() == Value::Kind::kDouble);
  return v.double_value();
}

std::string Error(const std::string& text) {
  Value v = Eval(text);
  INFO(text);
  REQUIRE(v.is_error());
  return v.text();
}

// ---- What the built-in CRDs evaluate.

TEST_CASE("CRD rules: isURL guards url().getScheme()") {
  Activation vars;
  vars.Bind("self",
            Value::Map({{Value::String("baseURL"), Value::String("https://api.openai.com/v1")}}));
  CHECK(True("isURL(self.baseURL) && url(self.baseURL).getScheme() in ['http', 'https']", vars));
  Activation bad;
  bad.Bind("self", Value::Map({{Value::String("baseURL"), Value::String("api.openai.com/v1")}}));
  CHECK_FALSE(
      True("isURL(self.baseURL) && url(self.baseURL).getScheme() in ['http', 'https']", bad));
  CHECK(Str("url('HTTP://Example.com:8080/x').getScheme()") == "http");
  CHECK(Str("url('https://api.example.com:8443/v1').getHostname()") == "api.example.com");
  CHECK(Str("url('http://[::1]:80/').getHostname()") == "::1");
}

TEST_CASE("CRD rules: no IP addresses among host names") {
  Activation names;
  names.Bind("self", Value::List({Value::String("example.com"), Value::String("*.example.com")}));
  CHECK(True("self.all(h, !isIP(h))", names));
  Activation with_ip;
  with_ip.Bind("self", Value::List({Value::String("example.com"), Value::String("10.0.0.1")}));
  CHECK_FALSE(True("self.all(h, !isIP(h))", with_ip));
  Activation with_v6;
  with_v6.Bind("self", Value::List({Value::String("2001:db8::1")}));
  CHECK_FALSE(True("self.all(h, !isIP(h))", with_v6));
}

TEST_CASE("CRD rules: quantity bounds on a string or int field") {
  const std::string lower = "!quantity(string(self)).isLessThan(quantity('16384'))";
  const std::string upper = "!quantity(string(self)).isGreaterThan(quantity('1677215'))";
  auto with_self = [](Value v) {
    Activation a;
    a.Bind("self", std::move(v));
    return a;
  };
  CHECK(True(lower, with_self(Value::String("16384"))));
  CHECK(True(lower, with_self(Value::Int(16384))));
  CHECK(True(lower, with_self(Value::String("16Ki"))));
  CHECK(True(lower, with_self(Value::String("16.384k"))));
  CHECK_FALSE(True(lower, with_self(Value::String("16383"))));
  CHECK_FALSE(True(lower, with_self(Value::String("16383999m"))));
  CHECK_FALSE(True(lower, with_self(Value::String("15.99Ki"))));
  CHECK(True(upper, with_self(Value::String("1677215"))));
  CHECK(True(upper, with_self(Value::Int(1677215))));
  CHECK_FALSE(True(upper, with_self(Value::String("1677215001m"))));
  CHECK_FALSE(True(upper, with_self(Value::String("2Mi"))));
  CHECK_FALSE(True(upper, with_self(Value::String("1.7M"))));
  // A value that is no quantity is the parse error, not false.
  Value bad = Eval(lower, with_self(Value::String("16 KiB")));
  REQUIRE(bad.is_error());
  CHECK(bad.text() ==
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
}

// ---- URL library.

TEST_CASE("url and isURL accept absolute URIs and absolute paths") {
  CHECK(True("isURL('https://user:pass@example.com:80/path?query=val#fragment')"));
  CHECK(True("isURL('/absolute-path')"));
  CHECK_FALSE(True("isURL('https://a:b:c/')"));
  CHECK_FALSE(True("isURL('../relative-path')"));
  CHECK_FALSE(True("isURL('')"));
  CHECK_FALSE(True("isURL('example.com')"));
  CHECK(True("isURL('mailto:someone@example.com')"));  // opaque
  CHECK(True("isURL('*')"));
  CHECK(Eval("url('https://user:pass@example.com:80/path?query=val#fragment')").TypeName() ==
        "kubernetes.URL");
  CHECK(Eval("type(url('/absolute-path'))").text() == "kubernetes.URL");
}

TEST_CASE("url reports Go's parse errors with the library's prefix") {
  CHECK(Error("url('https://a:b:c/')") ==
        "URL parse error during conversion from string: parse \"https://a:b:c/\": invalid port "
        "\":c\" after host");
  CHECK(Error("url('../relative-path')") ==
        "URL parse error during conversion from string: parse \"../relative-path\": invalid URI "
        "for request");
  CHECK(Error("url('')") == "URL parse error during conversion from string: parse \"\": empty url");
  CHECK(Error("url(':foo')") ==
        "URL parse error during conversion from string: parse \":foo\": missing protocol scheme");
  CHECK(Error("url('https://example.com/%zz')") ==
        "URL parse error during conversion from string: parse \"https://example.com/%zz\": "
        "invalid URL escape \"%zz\"");
  CHECK(Error("url('https://exa mple.com/')") ==
        "URL parse error during conversion from string: parse \"https://exa mple.com/\": "
        "invalid character \" \" in host name");
  CHECK(Error("url('http://a\\nb/')") ==
        "URL parse error during conversion from string: parse \"http://a\\nb/\": net/url: "
        "invalid control character in URL");
  CHECK(Error("url('https://[1.2.3.4]/')") ==
        "URL parse error during conversion from string: parse \"https://[1.2.3.4]/\": invalid "
        "IP-literal");
  CHECK(Error("url('https://[::1/')") ==
        "URL parse error during conversion from string: parse \"https://[::1/\": missing ']' in "
        "host");
  CHECK(Error("url('https://[v1.x]/')") ==
        "URL parse error during conversion from string: parse \"https://[v1.x]/\": invalid host: "
        "ParseAddr(\"v1.x\"): unexpected character (at \"v1.x\")");
  CHECK(Error("url('https://ü@example.com/')").ends_with("net/url: invalid userinfo"));
  CHECK_FALSE(True("isURL('http://a[::1]/')"));
}

TEST_CASE("url components as the library's doc comment gives them") {
  CHECK(Str("url('/path').getScheme()") == "");
  CHECK(Str("url('https://example.com/').getScheme()") == "https");
  CHECK(Str("url('https://example.com:80/').getHost()") == "example.com:80");
  CHECK(Str("url('https://example.com/').getHost()") == "example.com");
  CHECK(Str("url('https://[::1]:80/').getHost()") == "[::1]:80");
  CHECK(Str("url('https://[::1]/').getHost()") == "[::1]");
  CHECK(Str("url('/path').getHost()") == "");
  CHECK(Str("url('https://example.com:80/').getHostname()") == "example.com");
  CHECK(Str("url('https://127.0.0.1:80/').getHostname()") == "127.0.0.1");
  CHECK(Str("url('https://[::1]:80/').getHostname()") == "::1");
  CHECK(Str("url('/path').getHostname()") == "");
  CHECK(Str("url('https://example.com:80/').getPort()") == "80");
  CHECK(Str("url('https://example.com/').getPort()") == "");
  CHECK(Str("url('/path').getPort()") == "");
  CHECK(Str("url('https://example.com/path').getEscapedPath()") == "/path");
  CHECK(Str("url('https://example.com/path with spaces/').getEscapedPath()") ==
        "/path%20with%20spaces/");
  CHECK(Str("url('https://example.com').getEscapedPath()") == "");
  CHECK(
      True("url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == "
           "{'k1': ['a'], 'k2': ['b', 'c']}"));
  CHECK(
      True("url('https://example.com/path?key with spaces=value with spaces').getQuery() == "
           "{'key with spaces': ['value with spaces']}"));
  CHECK(True("url('https://example.com/path?').getQuery() == {}"));
  CHECK(True("url('https://example.com/path').getQuery() == {}"));
}

TEST_CASE("url details follow net/url") {
  // The fragment is not part of the path or the query.
  CHECK(Str("url('https://example.com/a#frag').getEscapedPath()") == "/a");
  CHECK(True("url('https://example.com/?a=1#frag').getQuery() == {'a': ['1']}"));
  // Query values are unescaped, '+' is a space, malformed pairs are dropped.
  CHECK(
      True("url('/p?a=x%20y+z&b&c=%zz&d=1;2&a=2').getQuery() == "
           "{'a': ['x y z', '2'], 'b': ['']}"));
  // An escaped path keeps its original escaping when that is valid.
  CHECK(Str("url('/a%2Fb').getEscapedPath()") == "/a%2Fb");
  CHECK(Str("url('/a%41').getEscapedPath()") == "/a%41");
  CHECK(Str("url('/a%2f%20b').getEscapedPath()") == "/a%2f%20b");
  // A raw path that is no valid escaping (the space) gives way to escaping the decoded path.
  CHECK(Str("url('/a%2f%20b c').getEscapedPath()") == "/a/%20b%20c");
  CHECK(Str("url('HTTPS://h/').getScheme()") == "https");
  CHECK(Str("url('https://h:/').getPort()") == "");
  CHECK(Str("url('https://h:/').getHost()") == "h:");
  CHECK(Str("url('https://[fe80::1%25en0]:8080/').getHostname()") == "fe80::1%en0");
  CHECK(Str("url('https://user@h/').getHost()") == "h");
  CHECK(Str("url('mailto:a@b').getHost()") == "");
  CHECK(Str("url('*').getEscapedPath()") == "*");
}

TEST_CASE("URLs are equal when Go prints them alike") {
  CHECK(True("url('https://example.com/a b') == url('https://example.com/a%20b')"));
  CHECK(True("url('HTTPS://example.com/') == url('https://example.com/')"));
  CHECK_FALSE(True("url('https://example.com/') == url('https://example.com')"));
  CHECK_FALSE(True("url('https://example.com/a') == url('https://example.com/b')"));
}

// ---- IP library.

TEST_CASE("ip and isIP parse as netip with the library's restrictions") {
  CHECK(True("isIP('127.0.0.1')"));
  CHECK(True("isIP('::1')"));
  CHECK_FALSE(True("isIP('127.0.0.256')"));
  CHECK_FALSE(True("isIP(':::1')"));
  CHECK_FALSE(True("isIP('01.2.3.4')"));
  CHECK_FALSE(True("isIP('fe80::1%eth0')"));
  CHECK_FALSE(True("isIP('::ffff:1.2.3.4')"));
  CHECK_FALSE(True("isIP('1.2.3')"));
  CHECK_FALSE(True("isIP('example.com')"));
  CHECK(True("isIP('::ffff:0:1.2.3.4')"));
  CHECK(Eval("ip('127.0.0.1')").TypeName() == "net.IP");
  CHECK(Error("ip('127.0.0.256')") ==
        "IP Address \"127.0.0.256\" parse error during conversion from string: "
        "ParseAddr(\"127.0.0.256\"): IPv4 field has value >255");
  CHECK(Error("ip(':::1')") ==
        "IP Address \":::1\" parse error during conversion from string: ParseAddr(\":::1\"): "
        "each colon-separated field must have at least one digit (at \":1\")");
  CHECK(Error("ip('01.2.3.4')") ==
        "IP Address \"01.2.3.4\" parse error during conversion from string: "
        "ParseAddr(\"01.2.3.4\"): IPv4 field has octet with leading zero");
  CHECK(Error("ip('fe80::1%eth0')") ==
        "IP address \"fe80::1%eth0\" with zone value is not allowed");
  CHECK(Error("ip('::ffff:1.2.3.4')") ==
        "IPv4-mapped IPv6 address \"::ffff:1.2.3.4\" is not allowed");
  CHECK(Error("ip('')") ==
        "IP Address \"\" parse error during conversion from string: ParseAddr(\"\"): unable to "
        "parse IP");
  CHECK(Error("ip('1:2:3:4:5:6:7')") ==
        "IP Address \"1:2:3:4:5:6:7\" parse error during conversion from string: "
        "ParseAddr(\"1:2:3:4:5:6:7\"): address string too short");
}

TEST_CASE("ip.isCanonical compares with netip's printing") {
  CHECK(True("ip.isCanonical('127.0.0.1')"));
  CHECK(True("ip.isCanonical('2001:db8::abcd')"));
  CHECK_FALSE(True("ip.isCanonical('2001:DB8::ABCD')"));
  CHECK_FALSE(True("ip.isCanonical('2001:db8::0:0:0:abcd')"));
  // Of two equal runs of zeros the first is the one compressed.
  CHECK(True("ip.isCanonical('2001:db8::1:0:0:1')"));
  CHECK_FALSE(True("ip.isCanonical('2001:db8:0:0:1::1')"));
  CHECK(Error("ip.isCanonical('x')").starts_with("IP Address \"x\" parse error"));
  CHECK(Str("string(ip('2001:DB8:0:0:1:0:0:1'))") == "2001:db8::1:0:0:1");
  CHECK(Str("string(ip('0:0:0:0:0:0:0:0'))") == "::");
  CHECK(Str("string(ip('::ffff:0:1.2.3.4'))") == "::ffff:0:102:304");
}

TEST_CASE("ip family and classification") {
  CHECK(Int("ip('127.0.0.1').family()") == 4);
  CHECK(Int("ip('::1').family()") == 6);
  CHECK(True("ip('127.0.0.1').family() == 4"));
  CHECK(True("ip('::1').family() == 6"));
  CHECK(True("ip('0.0.0.0').isUnspecified()"));
  CHECK_FALSE(True("ip('127.0.0.1').isUnspecified()"));
  CHECK(True("ip('::').isUnspecified()"));
  CHECK_FALSE(True("ip('::1').isUnspecified()"));
  CHECK(True("ip('127.0.0.1').isLoopback()"));
  CHECK_FALSE(True("ip('192.168.0.1').isLoopback()"));
  CHECK(True("ip('::1').isLoopback()"));
  CHECK_FALSE(True("ip('2001:db8::abcd').isLoopback()"));
  CHECK(True("ip('224.0.0.1').isLinkLocalMulticast()"));
  CHECK_FALSE(True("ip('224.0.1.1').isLinkLocalMulticast()"));
  CHECK(True("ip('ff02::1').isLinkLocalMulticast()"));
  CHECK_FALSE(True("ip('fd00::1').isLinkLocalMulticast()"));
  CHECK(True("ip('169.254.169.254').isLinkLocalUnicast()"));
  CHECK_FALSE(True("ip('192.168.0.1').isLinkLocalUnicast()"));
  CHECK(True("ip('fe80::1').isLinkLocalUnicast()"));
  CHECK_FALSE(True("ip('fd80::1').isLinkLocalUnicast()"));
  CHECK(True("ip('192.168.0.1').isGlobalUnicast()"));
  CHECK_FALSE(True("ip('255.255.255.255').isGlobalUnicast()"));
  CHECK(True("ip('2001:db8::abcd').isGlobalUnicast()"));
  CHECK_FALSE(True("ip('ff00::1').isGlobalUnicast()"));
  CHECK_FALSE(True("ip('0.0.0.0').isGlobalUnicast()"));
  CHECK_FALSE(True("ip('fe80::1').isGlobalUnicast()"));
}

TEST_CASE("IPs are equal by address") {
  CHECK(True("ip('2001:db8::1') == ip('2001:DB8:0::1')"));
  CHECK_FALSE(True("ip('127.0.0.1') == ip('127.0.0.2')"));
  CHECK_FALSE(True("ip('0.0.0.0') == ip('::')"));
  CHECK(Str("string(ip('127.0.0.1'))") == "127.0.0.1");
}

// ---- CIDR library.

TEST_CASE("cidr and isCIDR") {
  CHECK(True("isCIDR('192.168.0.0/16')"));
  CHECK(True("isCIDR('::1/128')"));
  CHECK_FALSE(True("isCIDR('192.168.0.0/33')"));
  CHECK_FALSE(True("isCIDR('::1/129')"));
  CHECK_FALSE(True("isCIDR('::ffff:1.2.3.4/24')"));
  CHECK_FALSE(True("isCIDR('192.168.0.0/016')"));
  CHECK_FALSE(True("isCIDR('192.168.0.0')"));
  // The doc comment calls this an error; ParsePrefix keeps host bits and the library accepts.
  CHECK(True("isCIDR('192.168.0.1/16')"));
  CHECK(Eval("cidr('192.168.0.0/16')").TypeName() == "net.CIDR");
  CHECK(Error("cidr('192.168.0.0/')") ==
        "network address parse error during conversion from string: network address parse "
        "error during conversion from string: netip.ParsePrefix(\"192.168.0.0/\"): bad bits "
        "after slash: \"\"");
  CHECK(Error("cidr('2001:db8::/')") ==
        "network address parse error during conversion from string: network address parse "
        "error during conversion from string: netip.ParsePrefix(\"2001:db8::/\"): bad bits "
        "after slash: \"\"");
  CHECK(Error("cidr('192.168.0.0/33')")
            .ends_with("netip.ParsePrefix(\"192.168.0.0/33\"): prefix length out of range"));
  CHECK(Error("cidr('10.0.0.0')").ends_with("netip.ParsePrefix(\"10.0.0.0\"): no '/'"));
  CHECK(Error("cidr('fe80::%eth0/64')").ends_with("IPv6 zones cannot be present in a prefix"));
  CHECK(Error("cidr('1.2.3/8')")
            .ends_with(
                "netip.ParsePrefix(\"1.2.3/8\"): ParseAddr(\"1.2.3\"): IPv4 address too short"));
  CHECK(Error("cidr('::ffff:1.2.3.4/24')") ==
        "network address parse error during conversion from string: IPv4-mapped IPv6 address "
        "\"::ffff:1.2.3.4/24\" is not allowed");
}

TEST_CASE("cidr containsIP containsCIDR ip masked prefixLength") {
  CHECK(True("cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))"));
  CHECK_FALSE(True("cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))"));
  CHECK(True("cidr('192.168.0.0/24').containsIP('192.168.0.1')"));
  CHECK_FALSE(True("cidr('192.168.0.0/24').containsIP('192.168.1.1')"));
  CHECK(True("cidr('2001:db8::/32').containsIP(ip('2001:db8::1'))"));
  CHECK_FALSE(True("cidr('2001:db8::/32').containsIP('2001:dc8::1')"));
  CHECK_FALSE(True("cidr('0.0.0.0/0').containsIP('::1')"));
  CHECK(Error("cidr('10.0.0.0/8').containsIP('x')") == "no such overload");
  CHECK(True("cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))"));
  CHECK_FALSE(True("cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/23'))"));
  CHECK(True("cidr('192.168.0.0/24').containsCIDR('192.168.0.0/25')"));
  CHECK_FALSE(True("cidr('192.168.1.0/24').containsCIDR('192.168.2.0/24')"));
  CHECK(True("cidr('2001:db8::/32').containsCIDR('2001:db8::/33')"));
  CHECK_FALSE(True("cidr('2001:db8::/32').containsCIDR(cidr('2001:db8::/31'))"));
  // The library compares the masked network with the other network's own address, so a
  // subnet whose address has bits past this prefix does not count (the doc comment says it
  // does, the code says otherwise).
  CHECK_FALSE(True("cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))"));
  CHECK(Error("cidr('10.0.0.0/8').containsCIDR('x')")
            .starts_with("network address parse error during conversion from string:"));
  CHECK(True("cidr('192.168.0.1/24').ip() == ip('192.168.0.1')"));
  CHECK(Int("cidr('192.168.0.1/24').ip().family()") == 4);
  CHECK(True("cidr('::1/128').ip() == ip('::1')"));
  CHECK(Int("cidr('::1/128').ip().family()") == 6);
  CHECK(True("cidr('192.168.0.0/24').masked() == cidr('192.168.0.0/24')"));
  CHECK(True("cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')"));
  CHECK(True("cidr('192.168.0.0/24') == cidr('192.168.0.0/24').masked()"));
  CHECK_FALSE(True("cidr('192.168.0.1/24') == cidr('192.168.0.1/24').masked()"));
  CHECK(True("cidr('2001:db8:1::/32').masked() == cidr('2001:db8::/32')"));
  CHECK(Int("cidr('192.168.0.0/16').prefixLength()") == 16);
  CHECK(Int("cidr('::1/128').prefixLength()") == 128);
  CHECK(Str("string(cidr('192.168.0.0/24'))") == "192.168.0.0/24");
  CHECK(Str("string(cidr('2001:DB8::1/64').masked())") == "2001:db8::/64");
}

// ---- Quantity library.

TEST_CASE("quantity and isQuantity follow ParseQuantity") {
  CHECK(Eval("quantity('1.5G')").TypeName() == "kubernetes.Quantity");
  CHECK(Eval("quantity('200k')").TypeName() == "kubernetes.Quantity");
  CHECK(Error("quantity('200K')") == "unable to parse quantity's suffix");
  CHECK(Error("quantity('Three')") ==
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  CHECK(Error("quantity('10Mo')").starts_with("quantities must match the regular expression"));
  CHECK(Error("quantity('10Mm')") == "unable to parse quantity's suffix");
  CHECK(Error("quantity('')").starts_with("quantities must match"));
  CHECK(Error("quantity('1 ')").starts_with("quantities must match"));
  CHECK(Error("quantity('1e')") == "unable to parse quantity's suffix");
  CHECK(True("quantity('.5Pi') == quantity('512Ti')"));
  CHECK(Error("quantity('Pi')") == "unable to parse numeric part of quantity");
  CHECK(True("isQuantity('1.3G')"));
  CHECK(True("isQuantity('1.3Gi')"));
  CHECK_FALSE(True("isQuantity('1,3G')"));
  CHECK(True("isQuantity('10000k')"));
  CHECK_FALSE(True("isQuantity('200K')"));
  CHECK_FALSE(True("isQuantity('Three')"));
  CHECK(True("isQuantity('20')"));
  CHECK(True("isQuantity('20M')"));
  CHECK(True("isQuantity('20Mi')"));
  CHECK_FALSE(True("isQuantity('20Mo')"));
  CHECK_FALSE(True("isQuantity('10Mm')"));
  CHECK(True("isQuantity('1e3')"));
  CHECK(True("isQuantity('1E+3')"));
  CHECK(True("isQuantity('-1.5e-3')"));
  CHECK(True("isQuantity('+.5')"));
  CHECK(True("isQuantity('1.')"));
  CHECK_FALSE(True("isQuantity('1.2.3')"));
  // The doc comment calls 'Mi' an error, but ParseQuantity reads a missing number as 0 and
  // the int64 path takes it; 'Pi' goes the inf.Dec way and fails there.
  CHECK(True("isQuantity('Mi')"));
  CHECK(True("quantity('Mi') == quantity('0')"));
  CHECK_FALSE(True("isQuantity('Pi')"));
}

TEST_CASE("quantity equality and comparison are exact") {
  CHECK(True("quantity('1') == quantity('1000m')"));
  CHECK(True("quantity('200M') == quantity('200M')"));
  CHECK(True("quantity('200M') == quantity('0.2G') && quantity('0.2G') == quantity('200M')"));
  CHECK(
      True("quantity('2M') == quantity('0.002G') && quantity('2000k') == quantity('2M') && "
           "quantity('0.002G') == quantity('2000k')"));
  CHECK_FALSE(True("quantity('200M') == quantity('0.3G')"));
  CHECK(True("quantity('1Ki') == quantity('1024')"));
  CHECK(True("quantity('1e3') == quantity('1k')"));
  CHECK(Int("quantity('200M').compareTo(quantity('0.2G'))") == 0);
  CHECK(Int("quantity('50M').compareTo(quantity('50Mi'))") == -1);
  CHECK(Int("quantity('50Mi').compareTo(quantity('50M'))") == 1);
  CHECK(True("quantity('150Mi').isGreaterThan(quantity('100Mi'))"));
  CHECK_FALSE(True("quantity('50Mi').isGreaterThan(quantity('100Mi'))"));
  CHECK(True("quantity('50M').isLessThan(quantity('100M'))"));
  CHECK_FALSE(True("quantity('100M').isLessThan(quantity('50M'))"));
  CHECK(True("quantity('50M').isLessThan(quantity('50Mi'))"));
  // Beyond what a double distinguishes.
  CHECK(True("quantity('9007199254740993').isGreaterThan(quantity('9007199254740992'))"));
  CHECK(True("quantity('100000000000000000001').isGreaterThan(quantity('1e20'))"));
  CHECK(True("quantity('1n').isGreaterThan(quantity('0'))"));
  // Below a nano a value rounds up to one.
  CHECK(True("quantity('0.1n') == quantity('1n')"));
  CHECK(True("quantity('-0.0000000001') == quantity('-1n')"));
  // A binary value above the int64 range is capped there.
  CHECK(True("quantity('16Ei') == quantity('9223372036854775807')"));
  CHECK(True("quantity('-3').isLessThan(quantity('-2'))"));
  CHECK(True("quantity('0') == quantity('-0')"));
  CHECK(True("quantity('1') != quantity('1.000000001')"));
}

TEST_CASE("quantity sign and integer conversions") {
  CHECK(Int("quantity('-3.5').sign()") == -1);
  CHECK(Int("quantity('0').sign()") == 0);
  CHECK(Int("quantity('2m').sign()") == 1);
  CHECK(Int("sign(quantity('-1k'))") == -1);
  CHECK(True("quantity('50000000G').isInteger()"));
  CHECK(True("quantity('50k').isInteger()"));
  CHECK(True("quantity('50').isInteger()"));
  CHECK_FALSE(True("quantity('9999999999999999999999999999999999999G').isInteger()"));
  CHECK(Error("quantity('9999999999999999999999999999999999999G').asInteger()") ==
        "cannot convert value to integer");
  CHECK(Int("quantity('50k').asInteger()") == 50000);
  CHECK(True("quantity('50k').asInteger() == 50000"));
  CHECK_FALSE(True("quantity('1.5').isInteger()"));
  CHECK_FALSE(True("quantity('10000m').isInteger()"));  // scale -3 is never integral
  CHECK(Int("quantity('1Mi').asInteger()") == 1048576);
  // Values parsed through inf.Dec are not integers to AsInt64, integral or not.
  CHECK_FALSE(True("quantity('1Pi').isInteger()"));
  CHECK_FALSE(True("quantity('1.5Gi').isInteger()"));
  CHECK(Error("quantity('10E').asInteger()") == "cannot convert value to integer");
  CHECK(Int("quantity('9E').asInteger()") == 9000000000000000000);
}

TEST_CASE("quantity asApproximateFloat") {
  CHECK(Double("quantity('50.703k').asApproximateFloat()") == 50703.0);
  CHECK(True("quantity('50k').sub(20000).asApproximateFloat() == 30000"));
  CHECK(Double("quantity('1.5').asApproximateFloat()") == 1.5);
  CHECK(Double("quantity('1Gi').asApproximateFloat()") == 1073741824.0);
  CHECK(Double("quantity('-2.5m').asApproximateFloat()") == -0.0025);
  CHECK(Double("quantity('1e400').asApproximateFloat()") ==
        std::numeric_limits<double>::infinity());
  CHECK(Double("quantity('12345678901234567890123').asApproximateFloat()") ==
        Approx(1.2345678901234568e22));
}

TEST_CASE("quantity add and sub with quantities and ints") {
  CHECK(True("quantity('50k').add(quantity('20')) == quantity('50.02k')"));
  CHECK_FALSE(True("quantity('50k').add(20).isLessThan(quantity('50020'))"));
  CHECK(True("quantity('50k').add(20) == quantity('50020')"));
  CHECK(True("quantity('50k').sub(quantity('20')) == quantity('49.98k')"));
  CHECK(True("quantity('50k').sub(20) == quantity('49980')"));
  CHECK(True("quantity('50k').sub(20000) == quantity('30k')"));
  CHECK(True("quantity('50k').add(quantity('20k')) == quantity('70k')"));
  CHECK(True("quantity('50k').sub(quantity('20k')) == quantity('30k')"));
  CHECK(Int("quantity('50k').add(20).sub(quantity('100k')).asInteger()") == -49980);
  CHECK(Int("quantity('50k').add(20).sub(quantity('100k')).sub(-50000).asInteger()") == 20);
  CHECK(True("quantity('50k').add(20).sub(quantity('100k')).sub(-50000) == quantity('20')"));
  CHECK(True("quantity('1.5Gi').add(quantity('512Mi')) == quantity('2Gi')"));
  CHECK(True("quantity('9223372036854775807').add(1) == quantity('9223372036854775808')"));
  CHECK(True("quantity('1m').add(quantity('1e-12')) == quantity('1000001n')"));
  CHECK(True("quantity('50k').mul(2) == quantity('100000')"));
  CHECK(True("quantity('1.5Ki').mul(-3) == quantity('-4608')"));
  // Exponents far apart still compare without writing the digits out; summing them is refused.
  CHECK(True("quantity('1e2000000000').isGreaterThan(quantity('1e1999999999'))"));
  CHECK(Error("quantity('1e2000000000').add(1)") == "quantity too large to compute exactly");
  CHECK(Error("quantity('1').add(1.0)").find("overload") != std::string::npos);
  CHECK(Error("quantity('1').isLessThan(1)").find("overload") != std::string::npos);
}

}  // namespace
}  // namespace agw::validate::cel
