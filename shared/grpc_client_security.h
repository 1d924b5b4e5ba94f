// How a Scout client (agent, sctl, scout-bench) secures its connection to
// the collector: TLS, the server's identity, an optional client certificate
// and a bearer token. The one place that reads these settings, checks them,
// builds the channel credentials and attaches the token (docs/security.md,
// "Agents and sctl: TLS and tokens").
//
// Config keys (the agent's YAML and sctl's config file alike):
//   insecure: false        # plaintext to a non-local collector needs this
//   tls:                   # present (even {}) = TLS; absent = plaintext
//     ca_file: ca.crt      # "" = the system's roots
//     cert_file: tls.crt   # client certificate (only with key_file)
//     key_file: tls.key
//     server_name: NAME    # expected in the collector's certificate;
//                          # default: the host part of the collector address
//   token_file: /var/run/secrets/scout/token
//
// Rules:
//  * Plaintext is allowed without `insecure` only to a local collector
//    (scout::IsLocalAddress: loopback or a unix socket).
//  * TLS always verifies the collector's certificate chain AND that its
//    SAN matches the server name (IP SANs for an IP address).
//  * Files are read when a channel is made, not cached: the agent makes a
//    fresh channel for every (re)connect, so a rotated CA bundle or client
//    certificate is used from the next connection on. (Chosen over gRPC's
//    FileWatcherCertificateProvider: no watcher thread per channel, and a
//    missing file is an error the caller sees instead of a handshake that
//    silently never starts.)
//  * The token: token_file, else the file named by $SCOUT_TOKEN_FILE, else
//    $SCOUT_TOKEN; whitespace-trimmed; read again at every (re)connect.
//    It is sent as "authorization: Bearer <token>" metadata on each call's
//    ClientContext — not as gRPC call credentials, which gRPC refuses to
//    send over a plaintext channel (a loopback collector still wants it).
//  * No error message ever holds a token or key's contents; they name the
//    file or variable only.
//
// Pure functions over files and the environment; thread-safe.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace scout {

class ConfigMap;

struct ClientSecurity {
  bool tls = false;          // the `tls` section is present (even empty)
  std::string ca_file;       // "" = system roots
  std::string cert_file;     // client certificate chain (PEM), with key_file
  std::string key_file;      // its private key (PEM)
  std::string server_name;   // "" = host part of the collector address
  bool insecure = false;     // allows plaintext to a non-local collector
  std::string token_file;    // "" = $SCOUT_TOKEN_FILE, then $SCOUT_TOKEN
};

// Reads `insecure`, `tls` and `token_file` from `root` (other keys are left
// to the caller). Unknown keys inside `tls` and a cert_file without a
// key_file (or the reverse) are errors naming file:line:key. Relative paths
// are resolved against `base_dir` (the config file's directory; "" keeps
// them as written).
absl::Status ReadClientSecurity(ConfigMap& root, const std::string& base_dir,
                                ClientSecurity* security);

// Checks settings that flags may also have set: cert_file and key_file
// together; plaintext to a non-local `collector` only with `insecure`
// ("plaintext to non-local collector X: set tls or insecure: true").
absl::Status ValidateClientSecurity(const ClientSecurity& security, const std::string& collector);

// The name the collector's certificate must carry: server_name, else the
// host of `collector` ("localhost" for a unix socket).
std::string EffectiveServerName(const ClientSecurity& security, const std::string& collector);

// A new channel to `collector` with `args` plus what `security` needs:
// plaintext, or TLS with the CA bundle, client certificate and key read
// from their files now. Errors name the unreadable file (never its text).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeClientChannel(
    const std::string& collector, const ClientSecurity& security, grpc::ChannelArguments args);

// The bearer token per the rule above; "" when none is configured. An
// empty or unreadable token file is an error (naming the file).
absl::StatusOr<std::string> ReadClientToken(const ClientSecurity& security);

// Reads every file the settings name (CA bundle, client certificate and
// key, token) once: a start-up check, so a missing Secret fails the start
// instead of every later connection.
absl::Status CheckClientFiles(const ClientSecurity& security);

// Adds "authorization: Bearer <token>" to `context`; nothing when `token`
// is empty. Call before the RPC starts.
void AttachToken(const std::string& token, grpc::ClientContext& context);

}  // namespace scout
