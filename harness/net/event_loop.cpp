// The loop: a thread that swaps in what other threads queued (transfers to start, tasks, cancels),
// runs due tasks, hands libcurl the sockets epoll says are ready (curl_multi_socket_action),
// hands finished transfers their results, checks timeouts every few milliseconds, and sleeps in
// epoll_wait until a socket, a timer or the eventfd other threads write to wakes it. Socket-action,
// not curl_multi_perform + curl_multi_poll: libcurl 7.88's perform visits every transfer on every
// wakeup, each with a poll() of its own, which measured 130-260 us of the loop's CPU per request
// (README, "The HTTP client: one event loop"); socket-action touches only the ready ones.
#include "harness/net/event_loop.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "harness/core/error.h"
#include "harness/net/curl.h"
#include "harness/net/transfer.h"

namespace rbench::http {
namespace {

using Clock = EventLoop::Clock;
using detail::Transfer;

// Timeouts are checked this often: idle and total timeouts fire within this of their due time.
constexpr auto kSweepInterval = std::chrono::milliseconds(10);
constexpr int kIdlePollMs = 1000;
// Easy handles kept for reuse (a reset handle is cheaper than a new one).
constexpr std::size_t kSpareHandles = 256;

struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;

struct Timed {
  Clock::time_point at;
  std::uint64_t seq = 0;  // keeps tasks due at the same time in posting order
  LoopTask task;
};
// For a min-heap on (at, seq) with std::push_heap, which builds max-heaps.
bool later(const Timed& a, const Timed& b) {
  return a.at != b.at ? a.at > b.at : a.seq > b.seq;
}

int ms_until(Clock::time_point now, Clock::time_point at) {
  if (at <= now) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(at - now).count();
  return static_cast<int>(std::min<std::int64_t>(ms, kIdlePollMs));
}

// A callback's exception must not end the loop (and every other transfer with it).
template <class F>
void guarded(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rbench: event loop: %s threw: %s\n", what, e.what());
  }
}

}  // namespace

// A file descriptor closed on destruction.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct EventLoop::Impl {
  MultiHandle multi;
  Fd epoll;
  Fd wake_fd;  // an eventfd: other threads write to it to end the epoll_wait
  std::thread thread;
  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::uint64_t> next_seq{1};

  // Queued by any thread, taken by the loop.
  std::mutex mutex;
  std::vector<std::unique_ptr<Transfer>> to_start;
  std::vector<Timed> to_schedule;
  std::vector<std::uint64_t> to_cancel;
  bool stopping = false;

  // The loop's thread only.
  std::move_only_function<void(std::uint64_t)> post_cancel;
  std::unordered_map<std::uint64_t, std::unique_ptr<Transfer>> transfers;
  std::vector<Timed> timers;  // a heap: the earliest on top
  std::vector<EasyHandle> spare;
  Clock::time_point next_sweep;
  std::optional<Clock::time_point> curl_deadline;  // when libcurl wants socket_action(TIMEOUT)

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd.fd, &one, sizeof one);
  }
  bool inbox_empty() {
    std::lock_guard lock(mutex);
    return to_start.empty() && to_schedule.empty() && to_cancel.empty() && !stopping;
  }

  static int on_socket(CURL* easy, curl_socket_t s, int what, void* user, void* known);
  static int on_timer(CURLM* multi, long timeout_ms, void* user);
  void run();
  void wait_and_act(int timeout_ms);
  void begin(std::unique_ptr<Transfer> t);
  void finish(std::uint64_t id, CURLcode code);
  void cancel(std::uint64_t id, std::string message);
  void run_due_timers();
  void read_messages();
  void sweep(Clock::time_point now);
  void shut_down();
};

void EventLoop::Impl::begin(std::unique_ptr<Transfer> t) {
  if (spare.empty()) {
    t->easy = make_easy_handle();
  } else {
    t->easy = std::move(spare.back());
    spare.pop_back();
  }
  t->configure();
  t->start = t->last_byte = Clock::now();
  Transfer& ref = *t;
  transfers.emplace(ref.id, std::move(t));
  // Runs at once when the stop was already requested: the cancel is then queued for the next turn.
  ref.on_stop.emplace(ref.stop, detail::CancelRequest{&post_cancel, ref.id});
  if (const CURLMcode rc = curl_multi_add_handle(multi.get(), ref.easy.get()); rc != CURLM_OK) {
    ref.reason = TransferError::connection;
    ref.result.error_message =
        fmt::format("libcurl: curl_multi_add_handle failed: {}", curl_multi_strerror(rc));
    finish(ref.id, CURLE_OK);
  }
}

void EventLoop::Impl::finish(std::uint64_t id, CURLcode code) {
  const auto it = transfers.find(id);
  if (it == transfers.end()) return;
  std::unique_ptr<Transfer> t = std::move(it->second);
  transfers.erase(it);
  curl_multi_remove_handle(multi.get(), t->easy.get());
  t->conclude(code);
  t->on_stop.reset();
  DoneCallback done = std::move(t->on_done);
  PostResult result = std::move(t->result);
  if (spare.size() < kSpareHandles) {
    curl_easy_reset(t->easy.get());
    spare.push_back(std::move(t->easy));
  }
  t.reset();
  in_flight.fetch_sub(1, std::memory_order_relaxed);
  guarded("a transfer's done callback", [&] { done(std::move(result)); });
}

void EventLoop::Impl::cancel(std::uint64_t id, std::string message) {
  const auto it = transfers.find(id);
  if (it == transfers.end()) return;  // already done
  Transfer& t = *it->second;
  if (t.reason == TransferError::none) {
    t.reason = TransferError::cancelled;
    t.result.error_message = std::move(message);
  }
  finish(id, CURLE_OK);
}

void EventLoop::Impl::run_due_timers() {
  const auto now = Clock::now();
  while (!timers.empty() && timers.front().at <= now) {
    std::pop_heap(timers.begin(), timers.end(), later);
    LoopTask task = std::move(timers.back().task);
    timers.pop_back();
    guarded("a task", [&] { task(); });
  }
}

void EventLoop::Impl::read_messages() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    if (t) finish(t->id, msg->data.result);
  }
}

void EventLoop::Impl::sweep(Clock::time_point now) {
  std::vector<std::uint64_t> due;
  for (auto& [id, t] : transfers) {
    if (t->limit_reached(now)) due.push_back(id);
  }
  for (const std::uint64_t id : due) finish(id, CURLE_OK);
}

void EventLoop::Impl::run() {
  for (;;) {
    std::vector<std::unique_ptr<Transfer>> starts;
    std::vector<Timed> scheduled;
    std::vector<std::uint64_t> cancels;
    {
      std::lock_guard lock(mutex);
      if (stopping) break;
      starts.swap(to_start);
      scheduled.swap(to_schedule);
      cancels.swap(to_cancel);
    }
    for (auto& t : starts) begin(std::move(t));
    for (Timed& timed : scheduled) {
      timers.push_back(std::move(timed));
      std::push_heap(timers.begin(), timers.end(), later);
    }
    for (const std::uint64_t id : cancels) cancel(id, "cancelled");
    run_due_timers();
    auto now = Clock::now();
    if (curl_deadline && *curl_deadline <= now) {
      curl_deadline.reset();
      int running = 0;
      curl_multi_socket_action(multi.get(), CURL_SOCKET_TIMEOUT, 0, &running);
      read_messages();
      now = Clock::now();
    }
    if (now >= next_sweep) {
      sweep(now);
      next_sweep = now + kSweepInterval;
    }
    int timeout_ms = kIdlePollMs;
    if (!transfers.empty()) timeout_ms = std::min(timeout_ms, ms_until(now, next_sweep));
    if (!timers.empty()) timeout_ms = std::min(timeout_ms, ms_until(now, timers.front().at));
    if (curl_deadline) timeout_ms = std::min(timeout_ms, ms_until(now, *curl_deadline));
    // Work queued from this thread (a done callback starting the next request) sent no wakeup.
    if (!inbox_empty()) timeout_ms = 0;
    wait_and_act(timeout_ms);
  }
  shut_down();
}

void EventLoop::Impl::wait_and_act(int timeout_ms) {
  constexpr int kEvents = 256;
  epoll_event events[kEvents];
  const int n = epoll_wait(epoll.fd, events, kEvents, timeout_ms);
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    if (fd == wake_fd.fd) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto got = ::read(wake_fd.fd, &count, sizeof count);
      continue;
    }
    const std::uint32_t e = events[i].events;
    const int mask = ((e & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                     ((e & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                     ((e & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
    int running = 0;
    curl_multi_socket_action(multi.get(), fd, mask, &running);
  }
  read_messages();
}

// libcurl says which events a socket waits for (or that it is done with it): epoll follows.
int EventLoop::Impl::on_socket(CURL*, curl_socket_t s, int what, void* user, void* known) {
  auto& impl = *static_cast<Impl*>(user);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(impl.epoll.fd, EPOLL_CTL_DEL, s, nullptr);
    curl_multi_assign(impl.multi.get(), s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
  ev.data.fd = s;
  // A socket libcurl has not announced yet may still be in the set under a reused number.
  const int first = known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(impl.epoll.fd, first, s, &ev) != 0) {
    epoll_ctl(impl.epoll.fd, first == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev);
  }
  if (!known) curl_multi_assign(impl.multi.get(), s, &impl);
  return 0;
}

int EventLoop::Impl::on_timer(CURLM*, long timeout_ms, void* user) {
  auto& impl = *static_cast<Impl*>(user);
  if (timeout_ms < 0) {
    impl.curl_deadline.reset();
  } else {
    impl.curl_deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

void EventLoop::Impl::shut_down() {
  const std::string why = "cancelled: the event loop shut down";
  while (!transfers.empty()) cancel(transfers.begin()->first, why);
  std::vector<std::unique_ptr<Transfer>> starts;
  {
    std::lock_guard lock(mutex);
    starts.swap(to_start);
    to_schedule.clear();
  }
  for (auto& t : starts) {
    PostResult result;
    result.error = TransferError::cancelled;
    result.error_message = why;
    in_flight.fetch_sub(1, std::memory_order_relaxed);
    guarded("a transfer's done callback", [&] { t->on_done(std::move(result)); });
  }
  timers.clear();
}

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  ensure_curl_initialised();
  impl_->multi.reset(curl_multi_init());
  if (!impl_->multi) throw Error("libcurl: curl_multi_init failed (out of memory?)");
  // Multiplex HTTP/2 streams over one connection. No cap per host: the caller's concurrency is
  // the cap, and libcurl's connection cache (four times the transfers added, by default) keeps
  // as many connections alive as are in use.
  curl_multi_setopt(impl_->multi.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  Impl* impl = impl_.get();
  impl->epoll.fd = epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->epoll.fd < 0 || impl->wake_fd.fd < 0) {
    throw Error(
        fmt::format("event loop: cannot make its epoll set or eventfd: {}", std::strerror(errno)));
  }
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = impl->wake_fd.fd;
  epoll_ctl(impl->epoll.fd, EPOLL_CTL_ADD, impl->wake_fd.fd, &wake);
  curl_multi_setopt(impl->multi.get(), CURLMOPT_SOCKETFUNCTION, Impl::on_socket);
  curl_multi_setopt(impl->multi.get(), CURLMOPT_SOCKETDATA, impl);
  curl_multi_setopt(impl->multi.get(), CURLMOPT_TIMERFUNCTION, Impl::on_timer);
  curl_multi_setopt(impl->multi.get(), CURLMOPT_TIMERDATA, impl);
  impl->post_cancel = [impl](std::uint64_t id) {
    {
      std::lock_guard lock(impl->mutex);
      impl->to_cancel.push_back(id);
    }
    impl->wake();
  };
  impl->thread = std::thread([impl] { impl->run(); });
}

EventLoop::~EventLoop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake();
  if (on_loop_thread()) {
    // The last user let go from a callback: joining would wait for ourselves.
    std::fprintf(stderr, "rbench: event loop destroyed on its own thread\n");
    std::terminate();
  }
  impl_->thread.join();
  // Connections closed by curl_multi_cleanup need no epoll bookkeeping any more.
  curl_multi_setopt(impl_->multi.get(), CURLMOPT_SOCKETFUNCTION, nullptr);
}

std::shared_ptr<EventLoop> EventLoop::shared() {
  static std::mutex mutex;
  static std::weak_ptr<EventLoop> loop;
  std::lock_guard lock(mutex);
  if (auto held = loop.lock()) return held;
  auto made = std::make_shared<EventLoop>();
  loop = made;
  return made;
}

void EventLoop::start(PostRequest request, BodyCallback on_body, DoneCallback on_done,
                      std::stop_token stop) {
  auto t = std::make_unique<Transfer>();
  t->id = impl_->next_seq.fetch_add(1, std::memory_order_relaxed);
  for (const auto& line : request.headers) append_header(t->headers, line.c_str());
  append_header(t->headers, "Expect:");  // no 100-continue round trip for large bodies
  t->request = std::move(request);
  t->on_body = std::move(on_body);
  t->on_done = std::move(on_done);
  t->stop = std::move(stop);
  impl_->in_flight.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(impl_->mutex);
    impl_->to_start.push_back(std::move(t));
  }
  if (!on_loop_thread()) impl_->wake();
}

void EventLoop::post_at(Clock::time_point at, LoopTask task) {
  Timed timed{at, impl_->next_seq.fetch_add(1, std::memory_order_relaxed), std::move(task)};
  {
    std::lock_guard lock(impl_->mutex);
    impl_->to_schedule.push_back(std::move(timed));
  }
  if (!on_loop_thread()) impl_->wake();
}

bool EventLoop::on_loop_thread() const {
  return std::this_thread::get_id() == impl_->thread.get_id();
}

double EventLoop::thread_cpu_s() const {
  clockid_t clock{};
  timespec ts{};
  if (pthread_getcpuclockid(impl_->thread.native_handle(), &clock) != 0 ||
      clock_gettime(clock, &ts) != 0) {
    return 0;
  }
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::int64_t EventLoop::in_flight() const {
  return impl_->in_flight.load(std::memory_order_relaxed);
}

}  // namespace rbench::http
