// What rbench's loopback servers (`rbench serve --model` and the mock) share: OpenAI's error
// body, and starting a cpp-httplib server that answers unknown routes with that body.
#pragma once

#include <string>
#include <string_view>
#include <thread>

namespace httplib {
class Server;
}

namespace rbench::http {

// {"error": {"message", "type", "code"}} as OpenAI sends it.
std::string openai_error_json(std::string_view message, std::string_view type, int code);

// Binds `server` to host:port (0: a free port), serves it from `thread` and returns the bound
// port once it accepts connections. Throws rbench::Error, naming `who`, when it cannot.
int start_local_server(httplib::Server& server, const std::string& host, int port,
                       std::thread& thread, std::string_view who);

}  // namespace rbench::http
