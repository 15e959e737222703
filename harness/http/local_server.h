// Starting a cpp-httplib server on loopback, shared by `rbench serve --model` and the mock.
#pragma once

#include <string>
#include <string_view>
#include <thread>

namespace httplib {
class Server;
}

namespace rbench::http {

// Binds `server` to host:port (0: a free port), serves it from `thread` and returns the bound
// port once it accepts connections. Throws rbench::Error, naming `who`, when it cannot.
int start_local_server(httplib::Server& server, const std::string& host, int port,
                       std::thread& thread, std::string_view who);

}  // namespace rbench::http
