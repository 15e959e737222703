// The sandbox's zygote (scorers/code/zygote.h): programs forked from one pre-started
// interpreter must not see what an earlier program did to it, must not reach its control
// channel, and a zygote that dies is replaced without a program being judged by a broken one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "scorers/code/sandbox.h"

namespace rbench::sandbox {
namespace {

// Its own sandbox, so that killing its zygote does not disturb the other tests' runs.
const Sandbox& zygote_sandbox() {
  static const Sandbox instance([] {
    Options options;
    options.limits.timeout_s = 4;
    options.zygote = true;
    return options;
  }());
  return instance;
}

Program program(std::string candidate, std::string tests = "") {
  Program p;
  p.candidate = std::move(candidate);
  p.tests = std::move(tests);
  return p;
}

std::string describe(const Result& r) {
  return std::string(to_string(r.outcome)) + ": " + r.message +
         "\nstdout: " + r.stdout_head.substr(0, 800) + "\nstderr: " + r.stderr_tail;
}

TEST(Zygote, IsInUseAndReported) {
  const ZygoteInfo before = zygote_sandbox().zygote();
  ASSERT_TRUE(before.enabled) << before.why_not;
  const Result r = zygote_sandbox().run(program("x = 1\n", "assert x == 1\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
  const ZygoteInfo after = zygote_sandbox().zygote();
  EXPECT_TRUE(after.running);
  EXPECT_GT(after.pid, 0);
  EXPECT_EQ(after.forks, before.forks + 1);
}

TEST(Zygote, TheNextProgramSeesACleanState) {
  ASSERT_TRUE(zygote_sandbox().zygote().enabled);
  const Result vandal = zygote_sandbox().run(
      program("import builtins, math, os, sys, typing, collections, tempfile\n"
              "builtins.len = lambda x: 0\n"
              "builtins.vandal = True\n"
              "math.sqrt = lambda x: -1\n"
              "collections.Counter = None\n"
              "typing.vandal = True\n"
              "sys.modules['json'] = None\n"
              "sys.modules['vandal'] = math\n"
              "sys.path.insert(0, os.getcwd())\n"
              "os.environ['VANDAL'] = '1'\n"
              "open('left-behind.txt', 'w').write('x')\n"
              "open(os.path.join(tempfile.gettempdir(), 'left-in-tmp.txt'), 'w').write('x')\n"
              "try:\n"
              "    open('/tmp/rbench-vandal.txt', 'w').write('x')\n"
              "except OSError:\n"
              "    pass\n"
              "os.chdir('/')\n"
              "import sys as _sys\n"
              "_sys.setrecursionlimit(50)\n"
              "print(os.getpid(), flush=True)\n"));
  EXPECT_EQ(vandal.outcome, Outcome::passed) << describe(vandal);

  const Result next = zygote_sandbox().run(
      program("import builtins, math, os, sys, typing, collections, json\n"
              "state = {\n"
              "    'len': len([1, 2]) == 2 and builtins.len is len,\n"
              "    'builtins': not hasattr(builtins, 'vandal'),\n"
              "    'math': math.sqrt(4) == 2.0,\n"
              "    'collections': collections.Counter('aab')['a'] == 2,\n"
              "    'typing': not hasattr(typing, 'vandal'),\n"
              "    'modules': 'vandal' not in sys.modules and json.dumps(1) == '1',\n"
              "    'path': os.getcwd() not in sys.path,\n"
              "    'environ': 'VANDAL' not in os.environ,\n"
              "    'cwd': os.getcwd() == os.environ['HOME'] == os.environ['TMPDIR'],\n"
              "    'files': os.listdir('.') == [],\n"
              "    'tmp': not os.path.exists('/tmp/rbench-vandal.txt'),\n"
              "    'recursion': sys.getrecursionlimit() >= 1000,\n"
              "}\n"
              "print(state)\n",
              "assert all(state.values()), state\n"));
  EXPECT_EQ(next.outcome, Outcome::passed) << describe(next);
  std::error_code ec;
  std::filesystem::remove("/tmp/rbench-vandal.txt", ec);
}

TEST(Zygote, TheControlChannelIsOutOfReach) {
  const ZygoteInfo before = zygote_sandbox().zygote();
  ASSERT_TRUE(before.enabled);
  const std::string zygote_pid = std::to_string(before.pid);
  const Result r = zygote_sandbox().run(
      program("import os, signal, socket, ctypes\n"
              "reached = []\n"
              "try:  # 3 is listdir's own descriptor\n"
              "    listed = set(os.listdir('/proc/self/fd')) - {'0', '1', '2', '3', '4'}\n"
              "    if listed:\n"
              "        reached.append(('listdir', listed))\n"
              "except OSError:\n"
              "    pass\n"
              "open_fds = []\n"
              "for fd in range(3, 1024):\n"
              "    try:\n"
              "        os.fstat(fd)\n"
              "        open_fds.append(fd)\n"
              "    except OSError:\n"
              "        continue\n"
              "    try:\n"
              "        s = socket.socket(fileno=os.dup(fd))\n"
              "        s.send(b'{\"run_dir\": \"/\"}')\n"
              "        reached.append(('socket', fd))\n"
              "    except OSError:\n"
              "        pass\n"
              "    try:\n"
              "        os.write(fd, b'\\x01\\x00\\x00\\x00' * 8)\n"
              "    except OSError:\n"
              "        pass\n"
              "for pid in (os.getppid(), 1, " +
                  zygote_pid +
                  ", -1):\n"
                  "    try:\n"
                  "        os.kill(pid, signal.SIGKILL)\n"
                  "    except OSError:\n"
                  "        pass\n"
                  "try:\n"
                  "    libc = ctypes.CDLL(None)\n"
                  "    if libc.ptrace(16, " +
                  zygote_pid +
                  ", 0, 0) == 0:\n"  // PTRACE_ATTACH
                  "        reached.append('ptrace')\n"
                  "except Exception:\n"
                  "    pass\n"
                  "print(open_fds, reached)\n",
              "assert not reached, reached\nassert set(open_fds) <= {4}, open_fds\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);

  // The zygote is unharmed: the same process, serving the next program.
  const Result next = zygote_sandbox().run(program("x = 1\n", "assert x == 1\n"));
  EXPECT_EQ(next.outcome, Outcome::passed) << describe(next);
  const ZygoteInfo after = zygote_sandbox().zygote();
  EXPECT_EQ(after.pid, before.pid);
  EXPECT_TRUE(after.running);
  EXPECT_EQ(after.restarts, before.restarts);
}

TEST(Zygote, ADeadZygoteIsReplaced) {
  ZygoteInfo before = zygote_sandbox().zygote();
  ASSERT_TRUE(before.enabled);
  if (before.pid == 0) {
    ASSERT_EQ(zygote_sandbox().run(program("x = 1\n")).outcome, Outcome::passed);
    before = zygote_sandbox().zygote();
  }
  ASSERT_EQ(::kill(static_cast<pid_t>(before.pid), SIGKILL), 0);
  const Result r = zygote_sandbox().run(program("x = 1\n", "assert x == 1\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
  const ZygoteInfo after = zygote_sandbox().zygote();
  EXPECT_NE(after.pid, before.pid);
  EXPECT_EQ(after.restarts, before.restarts + 1);
}

TEST(Zygote, AProgramTheZygoteDiedOnIsRunAgainOnAFreshOne) {
  ASSERT_TRUE(zygote_sandbox().zygote().enabled);
  ASSERT_EQ(zygote_sandbox().run(program("x = 1\n")).outcome, Outcome::passed);
  const ZygoteInfo before = zygote_sandbox().zygote();
  // The first run sleeps long enough for the zygote to be killed under it; its rerun passes.
  Result r;
  std::thread run([&] {
    r = zygote_sandbox().run(program("import time\ntime.sleep(1)\nx = 1\n", "assert x == 1\n"));
  });
  while (zygote_sandbox().zygote().forks == before.forks) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(::kill(static_cast<pid_t>(before.pid), SIGKILL), 0);
  run.join();
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
  const ZygoteInfo after = zygote_sandbox().zygote();
  EXPECT_EQ(after.restarts, before.restarts + 1);
  EXPECT_EQ(after.forks, before.forks + 2);
}

TEST(Zygote, IsOffByDefault) {
  const Sandbox exec_each;
  EXPECT_FALSE(exec_each.zygote().enabled);
  const Result r = exec_each.run(program("x = 1\n", "assert x == 1\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
}

TEST(Zygote, SandboxInfoShowsIt) {
  const std::string command =
      std::string(RBENCH_BINARY) + " sandbox info --speed-factor 1 --zygote";
  const std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe.get()) != nullptr) output += buffer;
  EXPECT_NE(output.find("zygote: pid "), std::string::npos) << output;
  EXPECT_NE(output.find("1 fork served, 0 restarts"), std::string::npos) << output;
}

}  // namespace
}  // namespace rbench::sandbox
