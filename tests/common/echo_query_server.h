// EchoQueryServer: a tiny real gRPC server on loopback for client-security
// tests (TLS, client certificates, tokens). Its Query.ListAgents answers
// with one agent whose agent_id is the `authorization` metadata the call
// carried and whose hostname is the client certificate's CN ("" for
// none), so a test sees exactly what the client presented.
//
// Certificates come from tests/common/make_test_certs.sh (MakeTestCerts).
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "scout/v1/query.grpc.pb.h"
#include "tests/common/test_certs.h"

namespace scout::testing {

struct EchoServerOptions {
  bool tls = true;
  std::string server_cert = "server";  // NAME.crt / NAME.key in the certs dir
  bool require_client_cert = false;    // verified against ca.crt
};

class EchoQueryServer {
 public:
  EchoQueryServer(const std::filesystem::path& certs, EchoServerOptions options) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", Credentials(certs, options), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~EchoQueryServer() { server_->Shutdown(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  class Service final : public v1::Query::Service {
    grpc::Status ListAgents(grpc::ServerContext* context, const v1::ListAgentsRequest*,
                            v1::ListAgentsResponse* response) override {
      v1::AgentInfo* agent = response->add_agents();
      const auto& metadata = context->client_metadata();
      if (auto it = metadata.find("authorization"); it != metadata.end()) {
        agent->set_agent_id(std::string(it->second.data(), it->second.size()));
      }
      for (const auto& cn : context->auth_context()->FindPropertyValues("x509_common_name")) {
        agent->set_hostname(std::string(cn.data(), cn.size()));
      }
      return grpc::Status::OK;
    }
  };

  static std::shared_ptr<grpc::ServerCredentials> Credentials(const std::filesystem::path& certs,
                                                              const EchoServerOptions& options) {
    if (!options.tls) return grpc::InsecureServerCredentials();
    grpc::SslServerCredentialsOptions ssl(
        options.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                    : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    if (options.require_client_cert) ssl.pem_root_certs = ReadPem(certs / "ca.crt");
    ssl.pem_key_cert_pairs.push_back({ReadPem(certs / (options.server_cert + ".key")),
                                      ReadPem(certs / (options.server_cert + ".crt"))});
    return grpc::SslServerCredentials(ssl);
  }

  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace scout::testing
