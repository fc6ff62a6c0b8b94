#include "plugin/ops/registry_ops.hpp"

#include "oci/registry_image.hpp"
#include "oci/util/environment.hpp"
#include "oci/util/process.hpp"
#include "plugin/ops/engine_ops.hpp"
#include "plugin/sinks/curl_transport.hpp"

namespace chalk::ops {

namespace {

constexpr std::string_view k_registry_prefix = "docker://";
constexpr auto k_helper_timeout = std::chrono::seconds(30);

util::Result<oci::Reference> parse_target(const std::string& text) {
  auto reference = oci::parse_reference(text);
  if (!reference) return reference.error().with_context("reading image reference `" + text + "`");
  return reference;
}

// `docker-credential-NAME get`, found on `search_path`, fed the server name; no output means
// no credentials (helpers exit 1 with "credentials not found").
util::Result<std::string> run_credential_helper(const std::string& search_path, const std::string& program,
                                                const std::string& input) {
  const auto found = util::find_in_path(program, search_path);
  if (!found) return util::make_error(util::Errc::not_found, "`" + program + "` is not on PATH");
  util::ProcessSpec spec;
  spec.program = found->string();
  spec.args = {"get"};
  spec.stdin_mode = util::Stream::pipe;
  spec.stderr_mode = util::Stream::null;
  spec.input = input;
  spec.timeout = k_helper_timeout;
  spec.max_output = 1 << 20;
  auto ran = util::run_process(spec);
  if (!ran || ran->exit_code != 0) {
    return util::make_error(util::Errc::not_found, "`" + program + " get` found no credentials");
  }
  return std::move(ran->out);
}

// The digests of a node we pushed ourselves (put_manifest checked the registry agrees).
ServedDigests digests_of(const oci::Node& node) {
  ServedDigests served;
  if (node.is_image()) {
    served.manifest = std::string(node.descriptor().digest.hex());
    return served;
  }
  served.list = std::string(node.descriptor().digest.hex());
  for (const auto& child : node.index().children) {
    if (child.is_image() && !oci::is_attestation(child)) {
      served.by_platform[child.image().platform().str()] = std::string(child.descriptor().digest.hex());
    }
  }
  return served;
}

std::string platform_of_descriptor(const oci::Json& raw) {
  oci::Platform platform;
  if (auto found = raw.find("platform"); found != raw.end() && found->is_object()) {
    platform.os = found->value("os", "");
    platform.architecture = found->value("architecture", "");
    platform.variant = found->value("variant", "");
  }
  return platform.str();
}

}  // namespace

PushArguments read_push_arguments(const std::vector<std::string>& args) {
  PushArguments parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-a" || arg == "--all-tags" || arg == "--all-tags=true") {
      parsed.all_tags = true;
    } else if (arg == "--platform") {
      ++i;  // its value
    } else if (arg.empty() || arg.front() != '-') {
      parsed.reference = arg;
    }
  }
  return parsed;
}

bool is_registry_target(std::string_view target) {
  return target.substr(0, k_registry_prefix.size()) == k_registry_prefix;
}

RegistryAccess with_environment(RegistryAccess access,
                                const std::map<std::string, std::string>& environment) {
  if (const auto cache = util::cache_directory(environment); !cache.empty())
    access.blob_cache = cache / "registry-blobs";
  access.search_path = util::env_value(environment, "PATH");
  return access;
}

util::Result<std::shared_ptr<oci::RegistryClient>> make_registry_client(const std::string& host,
                                                                        const RegistryAccess& access) {
  auto credentials = oci::DockerCredentials::load(
      access.docker_config_directory,
      [search_path = access.search_path](const std::string& program, const std::string& input) {
        return run_credential_helper(search_path, program, input);
      });
  if (!credentials) return credentials.error();
  oci::RegistryOptions options;
  options.tls_verify = access.tls_verify;
  options.certs_directory = access.certs_directory;
  options.ca_file = sinks::find_ca_bundle();
  options.chunk_size = access.chunk_size;
  options.blob_locations = access.blob_cache;
  options.credentials = [store = std::move(*credentials)](std::string_view registry) {
    return store.lookup(registry);
  };
  return std::make_shared<oci::RegistryClient>(host, std::move(options));
}

util::Result<ServedDigests> served_digests(oci::RegistryClient& client, const oci::Reference& reference) {
  auto manifest =
      client.get_manifest(reference.repository, reference.digest.empty() ? reference.tag : reference.digest);
  if (!manifest) return manifest.error();
  ServedDigests served;
  if (!oci::is_index_media_type(manifest->descriptor.media_type)) {
    served.manifest = std::string(manifest->descriptor.digest.hex());
    return served;
  }
  served.list = std::string(manifest->descriptor.digest.hex());
  auto json = oci::parse_json(manifest->bytes, "index `" + reference.familiar() + "`");
  if (!json) return json.error();
  if (auto children = json->find("manifests"); children != json->end() && children->is_array()) {
    for (const auto& child : *children) {
      auto descriptor = oci::Descriptor::from_json(child, "index `" + reference.familiar() + "`");
      if (!descriptor) return descriptor.error();
      served.by_platform.emplace(platform_of_descriptor(child), std::string(descriptor->digest.hex()));
    }
  }
  return served;
}

void add_repository_keys(oci::Json& entry, const oci::Reference& reference, const ServedDigests& served,
                         const std::string& platform) {
  const std::string host = reference.registry_host();
  std::string manifest = served.manifest;
  if (!served.list.empty()) {
    auto found = served.by_platform.find(platform);
    if (found != served.by_platform.end()) manifest = found->second;
    entry["_REPO_LIST_DIGESTS"][host][reference.repository] = oci::Json::array({served.list});
  }
  if (!manifest.empty()) entry["_REPO_DIGESTS"][host][reference.repository] = oci::Json::array({manifest});
  // A tag points at the index when there is one: that is what it serves.
  if (!reference.tag.empty()) {
    entry["_REPO_TAGS"][host][reference.repository][reference.tag] =
        served.list.empty() ? manifest : served.list;
  }
}

namespace {

// Chalks the image `source` names and writes it to `output`, its tag moved last; the
// report (of `operation`) carries the digests pushed.
util::Result<OperationOutcome> chalk_into_registry(const oci::Reference& source, const oci::Reference& output,
                                                   ChalkRequest chalk, const RegistryAccess& access,
                                                   const ReportContext& context, const char* operation) {
  auto source_client = make_registry_client(source.registry_host(), access);
  if (!source_client) return source_client.error();
  std::shared_ptr<oci::RegistryClient> output_client = *source_client;
  if (output.registry_host() != source.registry_host()) {
    auto other = make_registry_client(output.registry_host(), access);
    if (!other) return other.error();
    output_client = *other;
  }
  chalk.tags = {output.familiar()};
  InsertSteps steps;
  steps.read = [&] { return oci::read_registry_image(*source_client, source); };
  steps.write = [&](const oci::ImageSet& chalked, oci::Json& chalks) -> util::Status {
    const oci::Node& node = chalked.entries.front().node;
    auto pushed = oci::write_registry_image(*output_client, node, output);
    if (!pushed) return pushed.error();
    const ServedDigests served = digests_of(node);
    for (auto& entry : chalks) add_repository_keys(entry, output, served, entry.value("DOCKER_PLATFORM", ""));
    return {};
  };
  return chalk_and_write(steps, chalk, context, operation);
}

}  // namespace

util::Result<OperationOutcome> insert_registry_image(const InsertRequest& request,
                                                     const RegistryAccess& access,
                                                     const ReportContext& context) {
  const std::string output = request.output.string();
  if (request.output_format) {
    return util::make_error(util::Errc::invalid_argument,
                            "--format applies to archives and layouts, not docker://");
  }
  auto source_ref = parse_target(request.target);
  if (!source_ref) return source_ref.error();
  auto output_ref = parse_target(output.empty() ? request.target : output);
  if (!output_ref) return output_ref.error();
  if (!output.empty() && !is_registry_target(output)) {
    return util::make_error(util::Errc::invalid_argument,
                            "output `" + output + "`: a registry image is written to docker://REF");
  }
  if (!output_ref->digest.empty()) {
    return util::make_error(util::Errc::invalid_argument,
                            "output `" + output + "`: name a tag to write, not a digest");
  }
  ChalkRequest chalk =
      new_chalk_request(context, request.config_source, request.shim, request.wrap, request.temp_directory);
  return chalk_into_registry(*source_ref, *output_ref, std::move(chalk), access, context, "insert");
}

util::Result<OperationOutcome> chalk_registry_tag(const std::string& tag, ChalkRequest chalk,
                                                  const RegistryAccess& access,
                                                  const ReportContext& context) {
  auto reference = parse_target(tag);
  if (!reference) return reference.error();
  return chalk_into_registry(*reference, *reference, std::move(chalk), access, context, "build");
}

oci::Json push_report_of(const oci::Json& chalks, const ReportContext& context) {
  oci::Json report = report_envelope("push", context);
  oci::Json entries = oci::Json::array();
  for (const auto& chalk : chalks) {
    oci::Json entry = oci::Json::object();
    for (const char* key :
         {"CHALK_ID", "METADATA_ID", "_CURRENT_HASH", "_REPO_DIGESTS", "_REPO_TAGS", "_REPO_LIST_DIGESTS"}) {
      if (chalk.contains(key)) entry[key] = chalk[key];
    }
    entry["_OP_ARTIFACT_TYPE"] = "Docker Image";
    entries.push_back(std::move(entry));
  }
  if (!entries.empty()) report["_CHALKS"] = entries;
  report["_OP_CHALK_COUNT"] = entries.size();
  report["_OP_UNMARKED_COUNT"] = 0;
  return report;
}

util::Result<OperationOutcome> extract_registry_image(const std::string& target, const RegistryAccess& access,
                                                      const ReportContext& context) {
  auto reference = parse_target(target);
  if (!reference) return reference.error();
  auto client = make_registry_client(reference->registry_host(), access);
  if (!client) return client.error();
  auto set = oci::read_registry_image(*client, *reference);
  if (!set) return set.error();
  return extract_set(*set, target, context);
}

oci::Json push_report(const std::vector<std::string>& references, docker::Engine& engine,
                      const RegistryAccess& access, const ReportContext& context,
                      const std::filesystem::path& temp_directory, std::vector<std::string>& warnings) {
  oci::Json report = report_envelope("push", context);
  oci::Json chalks = oci::Json::array();
  std::size_t marked = 0;
  std::size_t unmarked = 0;
  std::map<std::string, std::shared_ptr<oci::RegistryClient>> clients;
  for (const auto& name : references) {
    auto reference = parse_target(name);
    if (!reference) {
      warnings.push_back("reporting the push of `" + name + "`: " + reference.error().message);
      continue;
    }
    auto extracted = extract_engine_image(engine, {name, temp_directory}, context);
    if (!extracted) {
      warnings.push_back("reporting the push of `" + name + "`: " + extracted.error().message);
      continue;
    }
    const oci::Json* local = &extracted->report;
    oci::Json entry = oci::Json::object();
    std::string platform;
    if (auto found = local->find("_CHALKS"); found != local->end() && !found->empty()) {
      const oci::Json& mark = found->front();
      for (const char* key : {"CHALK_ID", "METADATA_ID"}) {
        if (mark.contains(key)) entry[key] = mark[key];
      }
      entry["_CURRENT_HASH"] = mark.value("_CURRENT_HASH", "");
      platform = mark.value("DOCKER_PLATFORM", "");
      ++marked;
    } else {
      warnings.push_back("`" + name + "`: image is not chalked; report is limited");
      auto inspect = engine.inspect_image(name);
      if (inspect && inspect->contains("Id") && (*inspect)["Id"].is_string())
        entry["_CURRENT_HASH"] = digest_hex((*inspect)["Id"].get<std::string>());
      ++unmarked;
    }
    entry["_OP_ARTIFACT_TYPE"] = "Docker Image";
    const std::string host = reference->registry_host();
    if (!clients.contains(host)) {
      // Read back with the trust docker pushed with: its daemon treats loopback registries
      // as insecure (certificates unchecked), every other one is verified.
      RegistryAccess read_back = access;
      if (reference->is_loopback()) read_back.tls_verify = false;
      auto made = make_registry_client(host, read_back);
      if (!made) {
        warnings.push_back("reporting the push of `" + name + "`: " + made.error().message);
        continue;
      }
      clients[host] = *made;
    }
    auto served = served_digests(*clients[host], *reference);
    if (!served) {
      warnings.push_back("reporting the push of `" + name + "`: " + served.error().message);
    } else {
      add_repository_keys(entry, *reference, *served, platform);
    }
    chalks.push_back(std::move(entry));
  }
  if (!chalks.empty()) report["_CHALKS"] = chalks;
  report["_OP_CHALK_COUNT"] = marked;
  report["_OP_UNMARKED_COUNT"] = unmarked;
  return report;
}

PushOutcome push(const PushRequest& request, docker::DockerClient& client, docker::Engine& engine,
                 const ReportContext& context) {
  PushOutcome outcome;
  std::vector<std::string> args{"push"};
  args.insert(args.end(), request.args.begin(), request.args.end());
  auto pushed = client.stream(args);
  if (!pushed) {
    outcome.exit_code = 1;
    outcome.warnings.push_back(pushed.error().message);
    return outcome;
  }
  outcome.exit_code = *pushed;
  if (outcome.exit_code != 0) {
    oci::Json failure = report_envelope("push", context);
    failure["_OP_EXIT_CODE"] = outcome.exit_code;
    outcome.failure = std::move(failure);
    return outcome;
  }
  const PushArguments parsed = read_push_arguments(request.args);
  std::vector<std::string> references;
  if (parsed.all_tags) {
    auto listed = client.capture({"image", "ls", "--format", "{{.Repository}}:{{.Tag}}", parsed.reference});
    if (!listed || listed->exit_code != 0) {
      outcome.warnings.push_back("reporting the push of `" + parsed.reference + "`: cannot list its tags");
    } else {
      std::size_t start = 0;
      const std::string& text = listed->out;
      while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line =
            text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty() && line.find("<none>") == std::string::npos) references.push_back(line);
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
  } else if (!parsed.reference.empty()) {
    references.push_back(parsed.reference);
  }
  oci::Json report =
      push_report(references, engine, request.access, context, request.temp_directory, outcome.warnings);
  report["_OP_EXIT_CODE"] = outcome.exit_code;
  outcome.report = std::move(report);
  return outcome;
}

}  // namespace chalk::ops
