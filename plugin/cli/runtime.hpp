// What every command gets: the report context, the settings in force, and the ways out
// (reports to sinks, warnings and progress to stderr). Commands throw Fatal; only main
// catches it.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "oci/formats.hpp"
#include "plugin/chalk/report.hpp"

namespace chalk::cli {

// Exit codes: 1 for operational failures, 2 for bad input (archives, references, usage).
inline constexpr int k_exit_failure = 1;
inline constexpr int k_exit_bad_input = 2;

struct Fatal : std::runtime_error {
  Fatal(int code, const std::string& message) : std::runtime_error(message), exit_code(code) {}
  int exit_code;
};

// Throws Fatal for a library error: bad input -> 2, the rest -> 1.
[[noreturn]] void fail(const oci::Error& error);

class Runtime {
public:
  Runtime(int argc, char** argv);

  ReportContext& context() { return m_context; }
  // Sends a report to the `report` topic (stdout by default).
  void publish(const oci::Json& report);
  void warn(const std::string& line);
  // A progress callback for `label` when stderr is a terminal, else empty.
  oci::ProgressFn progress(const std::string& label);
  void end_progress();

private:
  ReportContext m_context;
  bool m_progress_shown = false;
};

// Each command declares its options on `app` and, when chosen, runs with `runtime`.
void add_version_command(CLI::App& app, Runtime& runtime);
void add_insert_command(CLI::App& app, Runtime& runtime);
void add_extract_command(CLI::App& app, Runtime& runtime);

}  // namespace chalk::cli
