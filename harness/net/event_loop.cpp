// The loop: a thread that swaps in what other threads queued (transfers to start, tasks, cancels),
// runs due tasks, lets libcurl move every transfer (curl_multi_perform), hands finished ones their
// results, checks timeouts every few milliseconds, and sleeps in curl_multi_poll until a socket,
// a timer or curl_multi_wakeup wakes it. curl_multi_poll is enough at the figures measured (README,
// "Client event loop"); socket-action with epoll would pay off only far beyond them.
#include "harness/net/event_loop.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
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

struct EventLoop::Impl {
  MultiHandle multi;
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

  void wake() { curl_multi_wakeup(multi.get()); }
  bool inbox_empty() {
    std::lock_guard lock(mutex);
    return to_start.empty() && to_schedule.empty() && to_cancel.empty() && !stopping;
  }

  void run();
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
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    read_messages();
    const auto now = Clock::now();
    if (now >= next_sweep) {
      sweep(now);
      next_sweep = now + kSweepInterval;
    }
    int timeout_ms = kIdlePollMs;
    if (!transfers.empty()) timeout_ms = std::min(timeout_ms, ms_until(now, next_sweep));
    if (!timers.empty()) timeout_ms = std::min(timeout_ms, ms_until(now, timers.front().at));
    // Work queued from this thread (a done callback starting the next request) sent no wakeup.
    if (!inbox_empty()) timeout_ms = 0;
    curl_multi_poll(multi.get(), nullptr, 0, timeout_ms, nullptr);
  }
  shut_down();
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
