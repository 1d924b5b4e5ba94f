#include "shared/grpc_client_security.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/net_address.h"
#include "shared/status_macros.h"
#include "shared/yaml_config.h"

namespace scout {
namespace {

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

absl::Status ReadTls(ConfigMap& root, const std::string& base_dir, ClientSecurity* security) {
  SCOUT_ASSIGN_OR_RETURN(auto tls, root.Child("tls"));
  if (!tls) return absl::OkStatus();
  security->tls = true;
  SCOUT_RETURN_IF_ERROR(tls->Read("ca_file", &security->ca_file));
  SCOUT_RETURN_IF_ERROR(tls->Read("cert_file", &security->cert_file));
  SCOUT_RETURN_IF_ERROR(tls->Read("key_file", &security->key_file));
  SCOUT_RETURN_IF_ERROR(tls->Read("server_name", &security->server_name));
  SCOUT_RETURN_IF_ERROR(tls->CheckNoUnknownKeys());
  // Named at the key that is there (it has a line); the other is missing.
  if (security->cert_file.empty() != security->key_file.empty()) {
    return security->cert_file.empty()
               ? tls->ErrorAt("key_file", "key_file without cert_file: set both or neither")
               : tls->ErrorAt("cert_file", "cert_file without key_file: set both or neither");
  }
  security->ca_file = Resolve(base_dir, security->ca_file);
  security->cert_file = Resolve(base_dir, security->cert_file);
  security->key_file = Resolve(base_dir, security->key_file);
  return absl::OkStatus();
}

// The whole file; errors name `what` and the path, never the contents.
absl::StatusOr<std::string> ReadWholeFile(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", what, " ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::FailedPreconditionError(absl::StrCat("error reading ", what, " ", path));
  if (text.str().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(what, " ", path, " is empty"));
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(
    const ClientSecurity& security) {
  grpc::SslCredentialsOptions options;
  if (!security.ca_file.empty()) {
    SCOUT_ASSIGN_OR_RETURN(options.pem_root_certs, ReadWholeFile("tls.ca_file", security.ca_file));
  }
  if (!security.cert_file.empty()) {
    SCOUT_ASSIGN_OR_RETURN(options.pem_cert_chain,
                           ReadWholeFile("tls.cert_file", security.cert_file));
    SCOUT_ASSIGN_OR_RETURN(options.pem_private_key,
                           ReadWholeFile("tls.key_file", security.key_file));
  }
  return grpc::SslCredentials(options);
}

// The address without gRPC's "ipv4:", "ipv6:" or "dns:///" scheme.
absl::string_view WithoutScheme(absl::string_view address) {
  for (absl::string_view scheme : {"ipv4:", "ipv6:", "dns:///"}) {
    if (absl::StartsWith(address, scheme)) return address.substr(scheme.size());
  }
  return address;
}

}  // namespace

absl::Status ReadClientSecurity(ConfigMap& root, const std::string& base_dir,
                                ClientSecurity* security) {
  SCOUT_RETURN_IF_ERROR(root.Read("insecure", &security->insecure));
  SCOUT_RETURN_IF_ERROR(ReadTls(root, base_dir, security));
  SCOUT_RETURN_IF_ERROR(root.Read("token_file", &security->token_file));
  security->token_file = Resolve(base_dir, security->token_file);
  return absl::OkStatus();
}

absl::Status ValidateClientSecurity(const ClientSecurity& security, const std::string& collector) {
  if (security.cert_file.empty() != security.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs both a certificate and a key file (tls.cert_file and "
        "tls.key_file, or --cert and --key)");
  }
  if (!security.tls && !security.insecure && !IsLocalAddress(collector)) {
    return absl::InvalidArgumentError(
        absl::StrCat("plaintext to non-local collector ", collector, ": set tls or insecure: true"));
  }
  return absl::OkStatus();
}

std::string EffectiveServerName(const ClientSecurity& security, const std::string& collector) {
  if (!security.server_name.empty()) return security.server_name;
  if (absl::StartsWith(collector, "unix:") || absl::StartsWith(collector, "unix-abstract:")) {
    return "localhost";  // what gRPC uses as the authority of a unix socket
  }
  auto host_port = SplitHostPort(WithoutScheme(collector));
  return host_port.ok() ? host_port->host : collector;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeClientChannel(
    const std::string& collector, const ClientSecurity& security, grpc::ChannelArguments args) {
  if (!security.tls) {
    return grpc::CreateCustomChannel(collector, grpc::InsecureChannelCredentials(), args);
  }
  SCOUT_ASSIGN_OR_RETURN(auto credentials, TlsCredentials(security));
  // gRPC checks the certificate against the target's host by itself; an
  // override is set only when it differs, so the :authority header (which
  // proxies route by) stays host:port in the common case.
  if (!security.server_name.empty() &&
      security.server_name != EffectiveServerName(ClientSecurity{}, collector)) {
    args.SetSslTargetNameOverride(security.server_name);
  }
  return grpc::CreateCustomChannel(collector, credentials, args);
}

absl::StatusOr<std::string> ReadClientToken(const ClientSecurity& security) {
  std::string path = security.token_file;
  const char* env_file = std::getenv("SCOUT_TOKEN_FILE");
  if (path.empty() && env_file != nullptr) path = env_file;
  if (path.empty()) {
    // The value itself: trimmed, never echoed.
    const char* env_token = std::getenv("SCOUT_TOKEN");
    if (env_token == nullptr) return std::string();
    return std::string(absl::StripAsciiWhitespace(env_token));
  }
  SCOUT_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile("token file", path));
  std::string token(absl::StripAsciiWhitespace(text));
  if (token.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("token file ", path, " holds only whitespace"));
  }
  return token;
}

absl::Status CheckClientFiles(const ClientSecurity& security) {
  if (security.tls) SCOUT_RETURN_IF_ERROR(TlsCredentials(security).status());
  return ReadClientToken(security).status();
}

void AttachToken(const std::string& token, grpc::ClientContext& context) {
  if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

}  // namespace scout
