#pragma once

#include <exception>

namespace agw::emulator::llm {

// Called with every exception the library's entry points catch (STYLE.md 3.3), just before it
// becomes the request's 400 or the response's 502. A caught exception is a shape of input that
// no check foresaw: the fuzz build (AGW_FUZZ) aborts here, so the fuzzers report the input that
// reached it and its cause gets a proper check; other builds carry on.
void NoteCaughtException(const std::exception& error);

}  // namespace agw::emulator::llm
