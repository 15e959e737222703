// The code sandbox against hostile candidates: each must end as the right outcome, quickly,
// with nothing left running and the test process untouched; plus the canonical HumanEval
// solutions (all pass) and a one-line corruption of each (none passes).
#include "scorers/code/sandbox.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "harness/core/error.h"

namespace rbench::sandbox {
namespace {

using testing::TempDir;

// Hostile tests use short limits: 2 reference seconds, no scaling.
const Sandbox& sandbox() {
  static const Sandbox instance([] {
    Options options;
    options.limits.timeout_s = 2;
    return options;
  }());
  return instance;
}

Program program(std::string candidate, std::string tests = "", std::string entry_point = "") {
  Program p;
  p.candidate = std::move(candidate);
  p.tests = std::move(tests);
  p.entry_point = std::move(entry_point);
  return p;
}

std::string describe(const Result& r) {
  return std::string(to_string(r.outcome)) + ": " + r.message +
         "\nstdout: " + r.stdout_head.substr(0, 500) + "\nstderr: " + r.stderr_tail;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A number no other process has in its command line, for programs that leave sleepers behind.
std::string unique_token() {
  std::random_device device;
  return std::to_string(std::uniform_int_distribution<long>(100000000, 999999999)(device));
}

// Processes whose command line contains `token` (read through our /proc, outside the sandbox).
int processes_with(const std::string& token) {
  int found = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::stol(name) == getpid()) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (contains(cmdline, token)) ++found;
  }
  return found;
}

// The candidate leaves two sleepers with the token behind, then does `rest`.
std::string with_sleepers(const std::string& token, const std::string& rest) {
  return "import subprocess\n"
         "for _ in range(2):\n"
         "    subprocess.Popen(['/bin/sleep', '300." +
         token +
         "'])\n"
         "print('sleepers started', flush=True)\n" +
         rest;
}

const std::string kAddTests =
    "def check(candidate):\n"
    "    assert candidate(2, 3) == 5\n"
    "    assert candidate([1], [2]) == [1, 2]\n";

TEST(Sandbox, ReportsItsIsolation) {
  const Isolation& isolation = sandbox().isolation();
  const std::string text = isolation.describe();
  EXPECT_TRUE(isolation.seccomp);
  EXPECT_TRUE(contains(text, "network: ")) << text;
  EXPECT_TRUE(contains(text, "seccomp: Internet sockets denied")) << text;
  EXPECT_TRUE(contains(text, "landlock: ")) << text;
  if (geteuid() == 0) {
    EXPECT_TRUE(isolation.dropped_to_nobody);
    EXPECT_TRUE(contains(text, "user: nobody (rbench runs as root)")) << text;
  }
  std::cout << "python: " << sandbox().python() << "\n" << text;
}

TEST(Sandbox, CorrectSolutionPasses) {
  const Result r = sandbox().run(program("def add(a, b):\n    return a + b\n", kAddTests, "add"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_GT(r.wall_s, 0);
  EXPECT_DOUBLE_EQ(r.timeout_s, 2);
}

TEST(Sandbox, WrongSolutionFailsWithTheAssertion) {
  const Result r = sandbox().run(program("def add(a, b):\n    return a - b\n", kAddTests, "add"));
  EXPECT_EQ(r.outcome, Outcome::failed) << describe(r);
  EXPECT_EQ(r.message, "AssertionError: assert candidate(2, 3) == 5 (tests line 2)");

  const Result mbpp =
      sandbox().run(program("def add(a, b):\n    return a * b\n",
                            "assert add(2, 2) == 4\nassert add(1, 2) == 3, 'one plus two'\n"));
  EXPECT_EQ(mbpp.outcome, Outcome::failed) << describe(mbpp);
  EXPECT_EQ(mbpp.message, "AssertionError: one plus two (tests line 2)");
}

TEST(Sandbox, ErrorsNameTheCandidateLineAndTheTestThatCalledIt) {
  const Result r =
      sandbox().run(program("def add(a, b):\n    x = 1\n    return a / 0\n", kAddTests, "add"));
  EXPECT_EQ(r.outcome, Outcome::failed) << describe(r);
  EXPECT_EQ(r.message,
            "ZeroDivisionError: division by zero (candidate line 3, called from tests line 2)");
}

TEST(Sandbox, TracebacksPrintedByTheCandidateShowItsLines) {
  const Result r =
      sandbox().run(program("import traceback\n"
                            "try:\n"
                            "    1 / 0  # the line\n"
                            "except ZeroDivisionError:\n"
                            "    traceback.print_exc()\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
  EXPECT_TRUE(contains(r.stderr_tail, "1 / 0  # the line")) << r.stderr_tail;
}

TEST(Sandbox, SyntaxErrorFailsWithTheMessage) {
  const Result r = sandbox().run(program("def add(a, b):\n    return a +\n", kAddTests, "add"));
  EXPECT_EQ(r.outcome, Outcome::failed) << describe(r);
  EXPECT_TRUE(contains(r.message, "SyntaxError")) << r.message;
  EXPECT_TRUE(contains(r.message, "(candidate line 2)")) << r.message;
}

TEST(Sandbox, BrokenTestsAreASandboxErrorNotAVerdict) {
  const Result r =
      sandbox().run(program("def add(a, b):\n    return a + b\n", "def check(:\n", "add"));
  EXPECT_EQ(r.outcome, Outcome::sandbox_error) << describe(r);
  EXPECT_TRUE(contains(r.message, "the tests do not compile")) << r.message;
}

TEST(Sandbox, InfiniteLoopTimesOutAndLeavesNothingBehind) {
  const std::string token = unique_token();
  const Result r = sandbox().run(program(with_sleepers(token, "while True:\n    pass\n")));
  EXPECT_EQ(r.outcome, Outcome::timeout) << describe(r);
  EXPECT_LT(r.wall_s, 4);
  EXPECT_TRUE(contains(r.stdout_head, "sleepers started")) << describe(r);
  EXPECT_EQ(processes_with(token), 0);
}

TEST(Sandbox, ForkBombEndsFastWithoutSurvivors) {
  const std::string token = unique_token();
  const Result r = sandbox().run(program(with_sleepers(token,
                                                       "import os\n"
                                                       "while True:\n"
                                                       "    try:\n"
                                                       "        os.fork()\n"
                                                       "    except OSError:\n"
                                                       "        pass\n")));
  EXPECT_TRUE(r.outcome == Outcome::timeout || r.outcome == Outcome::failed) << describe(r);
  EXPECT_LT(r.wall_s, 4);
  EXPECT_EQ(processes_with(token), 0);
}

TEST(Sandbox, HugeAllocationFailsInsteadOfHanging) {
  const Result r = sandbox().run(program("data = bytearray(10 * 1024 ** 3)\n"));
  EXPECT_TRUE(r.outcome == Outcome::failed || r.outcome == Outcome::crashed) << describe(r);
  if (r.outcome == Outcome::failed) {
    EXPECT_TRUE(contains(r.message, "MemoryError")) << r.message;
  }
  EXPECT_LT(r.wall_s, 4);
}

TEST(Sandbox, HugeFileIsStoppedByTheLimits) {
  const Result r =
      sandbox().run(program("block = b'x' * (1 << 20)\n"
                            "with open('big.bin', 'wb') as f:\n"
                            "    for _ in range(1024):\n"
                            "        f.write(block)\n"));
  EXPECT_TRUE(r.outcome == Outcome::failed || r.outcome == Outcome::crashed) << describe(r);
  EXPECT_TRUE(contains(r.message, "File too large") || contains(r.message, "No space") ||
              r.signal == SIGXFSZ)
      << describe(r);
}

TEST(Sandbox, CannotWriteOutsideItsDirectory) {
  TempDir home;
  ::chmod(home.path().c_str(), 0777);  // only the sandbox, not file permissions, may stop it
  const auto target = home.path() / "pwned.txt";
  const Result r = sandbox().run(
      program("import os\nopen(" + ("'" + target.string() + "'") + ", 'w').write('x')\n"));
  EXPECT_EQ(r.outcome, Outcome::failed) << describe(r);
  EXPECT_TRUE(contains(r.message, "Permission denied") || contains(r.message, "No such file"))
      << r.message;
  EXPECT_FALSE(std::filesystem::exists(target));

  // Its own directory, HOME and TMPDIR work.
  const Result own = sandbox().run(
      program("import os, tempfile\n"
              "open('here.txt', 'w').write('x')\n"
              "with tempfile.NamedTemporaryFile() as f:\n"
              "    f.write(b'y')\n"
              "ok = os.environ['HOME'] == os.getcwd() and open('here.txt').read() == 'x'\n",
              "assert ok\n"));
  EXPECT_EQ(own.outcome, Outcome::passed) << describe(own);
}

TEST(Sandbox, NoNetwork) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 8), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);

  const Result r = sandbox().run(program(
      "import socket\n"
      "opened = []\n"
      "for family in ('AF_INET', 'AF_INET6', 'AF_PACKET', 'AF_NETLINK'):\n"
      "    try:\n"
      "        socket.socket(getattr(socket, family), socket.SOCK_DGRAM if family != 'AF_INET' "
      "else socket.SOCK_STREAM).close()\n"
      "        opened.append(family)\n"
      "    except OSError as e:\n"
      "        print(family, e)\n"
      "local = socket.socketpair()  # AF_UNIX stays\n"
      "connected = False\n"
      "try:\n"
      "    socket.create_connection(('127.0.0.1', " +
          std::to_string(port) +
          "), timeout=1)\n"
          "    connected = True\n"
          "except OSError as e:\n"
          "    print('connect', e)\n",
      "assert opened == [], opened\nassert not connected\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
  EXPECT_TRUE(contains(r.stdout_head, "Permission denied")) << r.stdout_head;

  ASSERT_EQ(fcntl(listener, F_SETFL, O_NONBLOCK), 0);
  EXPECT_LT(accept(listener, nullptr, nullptr), 0) << "the listener saw a connection";
  close(listener);
}

TEST(Sandbox, KillingItsParentOrUsDoesNothing) {
  const Result r =
      sandbox().run(program("import os, signal\n"
                            "for pid in (os.getppid(), " +
                                std::to_string(getpid()) +
                                ", -1):\n"
                                "    try:\n"
                                "        os.kill(pid, signal.SIGKILL)\n"
                                "    except OSError as e:\n"
                                "        print(pid, e)\n"
                                "def add(a, b):\n"
                                "    return a + b\n",
                            kAddTests, "add"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);  // and we are still here
}

TEST(Sandbox, EarlyExitsDoNotPass) {
  const std::string solution = "def add(a, b):\n    return a - b\n";
  const Result sys_exit =
      sandbox().run(program(solution + "import sys\nsys.exit(0)\n", kAddTests, "add"));
  EXPECT_EQ(sys_exit.outcome, Outcome::failed) << describe(sys_exit);
  EXPECT_EQ(sys_exit.message, "exited before the tests ran (sys.exit(0))");

  const Result os_exit =
      sandbox().run(program(solution + "import os\nos._exit(0)\n", kAddTests, "add"));
  EXPECT_EQ(os_exit.outcome, Outcome::failed) << describe(os_exit);
  EXPECT_EQ(os_exit.exit_status, 0);
  EXPECT_TRUE(contains(os_exit.message, "exited with status 0 before the tests completed"))
      << os_exit.message;

  // Exiting from inside the function the tests call, and from an atexit handler.
  const Result during =
      sandbox().run(program("import os, atexit\natexit.register(lambda: os._exit(0))\n"
                            "def add(a, b):\n    os._exit(0)\n",
                            kAddTests, "add"));
  EXPECT_EQ(during.outcome, Outcome::failed) << describe(during);
}

TEST(Sandbox, PatchedOrShadowedBuiltinsDoNotPass) {
  const std::string tests =
      "def check(candidate):\n"
      "    assert abs(candidate(1.0) - 2.0) < 1e-9\n"
      "    assert isinstance(candidate(1.0), float)\n"
      "    assert math.isclose(candidate(3.0), 6.0)\n"
      "    assert len([candidate(0.0)]) == 1 and sum([1]) == 1\n"
      "import math\n";
  const std::string wrong = "def double(x):\n    return 'not a number'\n";
  for (const std::string& trick : {
           std::string("import builtins\nbuiltins.abs = lambda x: 0\n"
                       "builtins.isinstance = lambda *a: True\n"),
           std::string("def abs(x):\n    return 0\ndef isinstance(*a):\n    return True\n"),
           std::string("import builtins\n__builtins__ = dict(vars(builtins), abs=lambda x: 0)\n"),
           std::string("import math\nmath.isclose = lambda *a, **k: True\nabs = lambda x: 0\n"
                       "isinstance = lambda *a: True\n"),
       }) {
    const Result r = sandbox().run(program(wrong + trick, tests, "double"));
    EXPECT_EQ(r.outcome, Outcome::failed) << trick << describe(r);
  }
  // The same tests pass a right answer, helpers of the candidate named like builtins included.
  const Result right =
      sandbox().run(program("def max(a):\n    return 'mine'\ndef double(x):\n    assert max(1) == "
                            "'mine'\n    return 2 * x\n",
                            tests, "double"));
  EXPECT_EQ(right.outcome, Outcome::passed) << describe(right);
}

TEST(Sandbox, MbppStyleTestsCallTheirFunctionEvenWhenItIsNamedLikeABuiltin) {
  // MBPP 126 asks for a function named `sum`; its asserts call it at the top level.
  const std::string tests =
      "assert sum(10, 15) == 6\nassert sum(100, 150) == 93\nassert sum(4, 6) == 3\n";
  const Result right = sandbox().run(
      program("def sum(a, b):\n    s = 0\n    for i in range(1, min(a, b)):\n"
              "        if a % i == 0 and b % i == 0:\n            s += i\n    return s\n",
              tests));
  EXPECT_EQ(right.outcome, Outcome::passed) << describe(right);
  const Result wrong = sandbox().run(program("def sum(a, b):\n    return 0\n", tests));
  EXPECT_EQ(wrong.outcome, Outcome::failed) << describe(wrong);

  // The function under test is `area`, not the `abs` the candidate also defines.
  const std::string float_tests = "assert abs(area(2) - 12.566) < 0.01\n";
  const Result cheat = sandbox().run(
      program("def area(r):\n    return 'no idea'\ndef abs(x):\n    return 0\n", float_tests));
  EXPECT_EQ(cheat.outcome, Outcome::failed) << describe(cheat);
  const Result fine = sandbox().run(
      program("import math\ndef area(r):\n    return math.pi * r * r\n", float_tests));
  EXPECT_EQ(fine.outcome, Outcome::passed) << describe(fine);
}

TEST(Sandbox, FakeSuccessOutputAndRecordsDoNotPass) {
  const Result r = sandbox().run(
      program("import os, sys\n"
              "print('All tests passed! PASSED ok')\n"
              "fake = b'\\n{\"nonce\":\"00000000000000000000000000000000\",\"status\":\"passed\",'"
              "b'\"message\":\"\"}\\n'\n"
              "for fd in range(256):\n"
              "    try:\n"
              "        os.write(fd, fake)\n"
              "    except OSError:\n"
              "        pass\n"
              "sys.stdout.flush()\n"
              "os._exit(0)\n",
              kAddTests, "add"));
  EXPECT_EQ(r.outcome, Outcome::failed) << describe(r);
  EXPECT_TRUE(contains(r.message, "forged completion record")) << r.message;

  // A forked child that would pass while its parent fails is not counted either.
  const Result forked =
      sandbox().run(program("import os\nchild = os.fork() == 0\n"
                            "def add(a, b):\n    return a + b if child else a - b\n",
                            kAddTests, "add"));
  EXPECT_EQ(forked.outcome, Outcome::failed) << describe(forked);
}

TEST(Sandbox, TheDriverIsOutOfReach) {
  // /proc/1/environ is Landlock's (no reads under /proc); the rest is the driver's audit hook.
  const int expected = sandbox().isolation().landlock_abi > 0 ? 10 : 9;
  const Result r = sandbox().run(program(
      "import sys, gc, collections, typing, ctypes, traceback, io\n"
      "denied = []\n"
      "seen = []\n"
      "def add_hook():  # refused silently, as Python does for hooks that raise Exception\n"
      "    sys.addaudithook(lambda *a: seen.append(a))\n"
      "    sys.audit('rbench.test')\n"
      "    if not seen:\n"
      "        raise PermissionError('not added')\n"
      "def hook_frame():  # the audit hook's frame, from the traceback of its refusal\n"
      "    try:\n"
      "        gc.get_objects()\n"
      "    except PermissionError as e:\n"
      "        tb = e.__traceback__\n"
      "        while tb.tb_next:\n"
      "            tb = tb.tb_next\n"
      "        return tb.tb_frame\n"
      "driver = sys._getframe(0).f_back  # f_back is not audited: the driver's frame\n"
      "for name, attempt in [\n"
      "        ('getframe', lambda: sys._getframe(2)),\n"
      "        ('vault', lambda: driver.f_locals['vault'].gi_frame),\n"
      "        ('tb_frame', hook_frame),\n"
      "        ('gc', lambda: gc.get_referrers(driver)),\n"
      "        ('frames', lambda: sys._current_frames()),\n"
      "        ('settrace', lambda: sys.settrace(lambda *a: None)),\n"
      "        ('hook', add_hook),\n"
      "        ('ctypes', lambda: ctypes.string_at(id(driver), 64)),\n"
      "        ('mem', lambda: open('/proc/self/mem', 'rb')),\n"
      "        ('environ', lambda: open('/proc/1/environ', 'rb'))]:\n"
      "    try:\n"
      "        attempt()\n"
      "    except PermissionError:\n"
      "        denied.append(name)\n"
      "# Resuming the vault from here is refused: it answers None and writes nothing.\n"
      "refused = driver.f_locals['vault'].send(('passed', '')) is None\n"
      "Point = collections.namedtuple('Point', 'x y')\n"
      "class Pair(typing.NamedTuple):\n"
      "    a: int\n"
      "    b: int\n"
      "stack = io.StringIO()\n"
      "traceback.print_stack(file=stack)\n"
      "def frame_name():\n"
      "    return sys._getframe(0).f_code.co_name\n",
      "assert len(denied) == " + std::to_string(expected) +
          ", denied\n"
          "assert refused\n"
          "assert Point(1, 2).y == 2 and Pair(1, 2).b == 2 and frame_name() == 'frame_name'\n"
          "assert 'print_stack' in stack.getvalue()\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);

  // A wrong solution that tries the vault from its own frame does not pass.
  const Result forged =
      sandbox().run(program("import sys\n"
                            "def add(a, b):\n"
                            "    frame = sys._getframe(0)\n"
                            "    while frame is not None:\n"
                            "        vault = frame.f_locals.get('vault')\n"
                            "        if vault is not None:\n"
                            "            vault.send(('passed', ''))\n"
                            "        frame = frame.f_back\n"
                            "    return 0\n",
                            kAddTests, "add"));
  EXPECT_EQ(forged.outcome, Outcome::failed) << describe(forged);
}

TEST(Sandbox, ThreadsProcessesAndSubprocessesWork) {
  // multiprocessing needs a writable /dev/shm: the private one of a mount namespace.
  const bool shm = sandbox().isolation().private_tmpfs;
  const Result r = sandbox().run(
      program("import multiprocessing, subprocess\n"
              "from concurrent.futures import ThreadPoolExecutor\n"
              "with ThreadPoolExecutor(4) as pool:\n"
              "    threads = list(pool.map(abs, [-1, -2]))\n"
              "processes = [3, 4]\n"
              "if " +
                  std::string(shm ? "True" : "False") +
                  ":\n"
                  "    with multiprocessing.Pool(2) as pool:\n"
                  "        processes = pool.map(abs, [-3, -4])\n"
                  "echo = subprocess.run(['echo', 'hi'], capture_output=True, text=True).stdout\n",
              "assert threads == [1, 2] and processes == [3, 4] and echo == 'hi\\n'\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
}

TEST(Sandbox, NumpyWorksWhereInstalled) {
  const Result r =
      sandbox().run(program("try:\n"
                            "    import numpy\n"
                            "except ImportError:\n"
                            "    numpy = None\n"
                            "def total(values):\n"
                            "    return int(numpy.array(values).sum()) if numpy else sum(values)\n",
                            "assert total([1, 2, 3]) == 6\n"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
}

TEST(Sandbox, StdinIsEmpty) {
  const Result r = sandbox().run(program("line = input()\n"));
  EXPECT_EQ(r.outcome, Outcome::failed) << describe(r);
  EXPECT_TRUE(contains(r.message, "EOFError")) << r.message;
  EXPECT_LT(r.wall_s, 2);
}

TEST(Sandbox, InvalidUtf8OutputIsKeptReplaced) {
  const Result r = sandbox().run(
      program("import sys\n"
              "sys.stdout.buffer.write(b'ok \\xff\\xfe bad \\xc3\\xa9 \\xed\\xa0\\x80 end\\n')\n"
              "sys.stderr.buffer.write(b'err \\xc3(')\n"
              "def add(a, b):\n    return a + b\n",
              kAddTests, "add"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
  EXPECT_EQ(r.stdout_head,
            "ok \xEF\xBF\xBD\xEF\xBF\xBD bad \xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end\n");
  EXPECT_EQ(r.stderr_tail, "err \xEF\xBF\xBD(");
}

TEST(Sandbox, EnormousOutputIsDrainedAndBounded) {
  Options options;
  options.limits.timeout_s = 30;
  options.limits.output_keep_bytes = 1000;
  const Sandbox big(options);
  const Result r =
      big.run(program("import sys\n"
                      "line = 'y' * 999 + '\\n'\n"
                      "for _ in range(200_000):\n"
                      "    sys.stdout.write(line)\n"
                      "sys.stderr.write('e' * 5000 + 'END')\n"
                      "def add(a, b):\n    return a + b\n",
                      kAddTests, "add"));
  EXPECT_EQ(r.outcome, Outcome::passed) << describe(r);
  EXPECT_EQ(r.stdout_bytes, 200'000'000u);
  EXPECT_EQ(r.stdout_head.size(), 1000u);
  EXPECT_EQ(r.stderr_bytes, 5003u);
  EXPECT_EQ(r.stderr_tail.size(), 1000u);
  EXPECT_TRUE(r.stderr_tail.ends_with("eeeEND"));
}

TEST(Sandbox, CrashesNameTheSignal) {
  const Result segv = sandbox().run(program("import faulthandler\nfaulthandler._sigsegv()\n"));
  EXPECT_EQ(segv.outcome, Outcome::crashed) << describe(segv);
  EXPECT_EQ(segv.signal, SIGSEGV);
  EXPECT_TRUE(contains(segv.message, "SIGSEGV")) << segv.message;

  const Result abort = sandbox().run(program("import os\nos.abort()\n"));
  EXPECT_EQ(abort.outcome, Outcome::crashed) << describe(abort);
  EXPECT_TRUE(contains(abort.message, "SIGABRT")) << abort.message;
}

TEST(Sandbox, ConcurrentRunsFromEightThreads) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 3; ++i) {
        const bool pass = (t + i) % 2 == 0;
        const std::string op = pass ? "+" : "-";
        const Result r = sandbox().run(program("def add(a, b):\n    return a " + op + " b\n" +
                                                   "print('thread " + std::to_string(t) + "')\n",
                                               kAddTests, "add"));
        const Outcome expected = pass ? Outcome::passed : Outcome::failed;
        if (r.outcome != expected || !contains(r.stdout_head, "thread " + std::to_string(t))) {
          ADD_FAILURE() << "thread " << t << " run " << i << ": " << describe(r);
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
}

TEST(Sandbox, MissingPython) {
  Options missing;
  missing.python = "/nonexistent/python3";
  EXPECT_THROW(Sandbox{missing}, Error);

  // An interpreter that disappears after construction is a sandbox error, not a verdict.
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const auto link = dir.path() / "python3";
  std::filesystem::create_symlink(std::filesystem::canonical(sandbox().python()), link);
  Options options;
  options.python = link;
  const Sandbox vanishing(options);
  std::filesystem::remove(link);
  const Result r = vanishing.run(program("x = 1\n", "assert x == 1\n"));
  EXPECT_EQ(r.outcome, Outcome::sandbox_error) << describe(r);
  EXPECT_TRUE(contains(r.message, "cannot run")) << r.message;
}

TEST(Sandbox, TimeoutsScaleWithTheSpeedFactor) {
  Options options;
  options.limits.timeout_s = 0.5;
  options.speed_factor = 2;
  const Sandbox slow(options);
  const Result r = slow.run(program("while True:\n    pass\n"));
  EXPECT_EQ(r.outcome, Outcome::timeout) << describe(r);
  EXPECT_DOUBLE_EQ(r.timeout_s, 1.0);
  EXPECT_GE(r.wall_s, 1.0);
  EXPECT_LT(r.wall_s, 2.5);
}

TEST(Sandbox, CalibratesItsSpeedFactor) {
  Options options;
  options.speed_factor = 0;
  const Sandbox calibrated(options);
  std::cout << "speed factor: " << calibrated.speed_factor() << "\n";
  EXPECT_GE(calibrated.speed_factor(), 1.0);
  EXPECT_LT(calibrated.speed_factor(), 50.0);
  const Result r = calibrated.run(program("x = 1\n", "assert x == 1\n"));
  EXPECT_DOUBLE_EQ(r.timeout_s, 10 * calibrated.speed_factor());
}

// --- HumanEval --------------------------------------------------------------------------------
struct Problem {
  std::string task_id, prompt, solution, test, entry_point;
};

std::vector<Problem> humaneval() {
  std::vector<Problem> problems;
  const auto dir = testing::shared_data_dir();
  if (dir.empty()) return problems;
  std::ifstream in(dir / "humaneval" / "HumanEval.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("bad HumanEval line");
    problems.push_back({doc["task_id"].GetString(), doc["prompt"].GetString(),
                        doc["canonical_solution"].GetString(), doc["test"].GetString(),
                        doc["entry_point"].GetString()});
  }
  return problems;
}

// One line inserted before the body's first statement, with its indentation: the entry point
// raises whenever it is called.
std::string corrupt(const std::string& solution) {
  std::size_t line = 0;
  while (line < solution.size()) {
    const auto end = std::min(solution.find('\n', line), solution.size());
    const auto text = solution.find_first_not_of(" \t", line);
    if (text < end) {
      return solution.substr(0, line) + solution.substr(line, text - line) +
             "raise ValueError('corrupted')\n" + solution.substr(line);
    }
    line = end + 1;
  }
  return solution;
}

TEST(SandboxHumanEval, CanonicalSolutionsPassAndCorruptedOnesDoNot) {
  const std::vector<Problem> problems = humaneval();
  if (problems.empty()) GTEST_SKIP() << "HumanEval.jsonl not in the shared data";
  ASSERT_EQ(problems.size(), 164u);
  Options options;
  options.limits.timeout_s = 20;
  const Sandbox box(options);
  std::vector<Result> canonical(problems.size()), corrupted(problems.size());
  tbb::parallel_for(std::size_t{0}, 2 * problems.size(), [&](std::size_t i) {
    const Problem& p = problems[i / 2];
    Program run;
    run.tests = p.test;
    run.entry_point = p.entry_point;
    run.candidate = p.prompt + (i % 2 == 0 ? p.solution : corrupt(p.solution));
    (i % 2 == 0 ? canonical : corrupted)[i / 2] = box.run(run);
  });
  for (std::size_t i = 0; i < problems.size(); ++i) {
    EXPECT_EQ(canonical[i].outcome, Outcome::passed)
        << problems[i].task_id << " canonical: " << describe(canonical[i]);
    EXPECT_NE(corrupted[i].outcome, Outcome::passed) << problems[i].task_id << " corrupted";
    EXPECT_TRUE(contains(corrupted[i].message, "ValueError: corrupted"))
        << problems[i].task_id << ": " << corrupted[i].message;
  }
}

}  // namespace
}  // namespace rbench::sandbox
