#include "collector/alerting/alert_engine.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "shared/logging.h"

namespace scout::collector::alerting {
namespace {

using std::chrono::milliseconds;

bool StatFile(const std::string& path, int64_t* mtime_ns, int64_t* size) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return false;
  *mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  *size = static_cast<int64_t>(st.st_size);
  return true;
}

// The alert's labels: the element's labels without __name__, then the
// rule's labels (they win on conflict, as in Prometheus), then alertname.
Labels AlertLabels(const Rule& rule, const Labels& element) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : element) {
    if (name == "__name__" || name == "alertname") continue;
    if (!LabelValue(rule.labels, name).empty()) continue;
    out.emplace_back(name, value);
  }
  for (const auto& l : rule.labels) out.push_back(l);
  out.emplace_back("alertname", rule.name);
  return MakeLabels(std::move(out));
}

// alerts_ key: rule NUL fingerprint, so one rule's alerts are adjacent.
std::string Key(const std::string& rule, const std::string& fingerprint) {
  return absl::StrCat(rule, std::string(1, '\0'), fingerprint);
}

AlertTransition Transition(const Alert& a, int64_t now_ms, const char* from, const char* to) {
  return {now_ms, a.fingerprint, a.rule, a.labels, from, to, a.value};
}

}  // namespace

AlertEngine::AlertEngine(std::string rules_path, promql::SeriesSource& source, AlertStore& store,
                         Sender sender, const Clock& clock, EngineOptions options)
    : rules_path_(std::move(rules_path)),
      source_(source),
      store_(store),
      sender_(std::move(sender)),
      clock_(clock),
      options_(std::move(options)) {}

AlertEngine::~AlertEngine() { Stop(); }

absl::Status AlertEngine::Init() {
  absl::StatusOr<std::vector<Rule>> rules = LoadRules(rules_path_);
  if (!rules.ok()) return rules.status();
  absl::StatusOr<std::vector<Alert>> alerts = store_.LoadAlerts();
  if (!alerts.ok()) return alerts.status();
  absl::MutexLock lock(&mu_);
  StatFile(rules_path_, &rules_mtime_ns_, &rules_size_);
  for (Rule& r : *rules) {
    rules_.push_back({std::make_shared<const Rule>(std::move(r)), {}});
  }
  for (Alert& a : *alerts) alerts_[Key(a.rule, a.fingerprint)] = std::move(a);
  stats_.rules = rules_.size();
  stats_.rules_loaded_ms = clock_.NowMs();
  grace_until_ms_ = clock_.NowMs() + options_.startup_grace.count();
  spdlog::info("alerting: {} rules from {}, {} alerts restored", rules_.size(), rules_path_,
               alerts_.size());
  return absl::OkStatus();
}

void AlertEngine::Start() {
  thread_ = std::thread([this] { Run(); });
}

void AlertEngine::Stop() {
  {
    absl::MutexLock lock(&run_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void AlertEngine::Run() {
  const auto interval = options_.evaluation_interval;
  auto next = clock_.SteadyNow();
  while (true) {
    EvaluateOnce();
    next += interval;
    const auto now = clock_.SteadyNow();
    if (next < now) next = now + interval;  // overran: skip, do not burst
    // At most one interval: a ManualClock that does not move must not
    // stretch the real wait.
    const auto wait = std::min<std::chrono::steady_clock::duration>(next - now, interval);
    absl::MutexLock lock(&run_mu_);
    if (run_mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(wait))) return;
  }
}

void AlertEngine::ReloadIfChanged(int64_t now_ms) {
  int64_t mtime = 0, size = 0;
  const std::string unreadable = absl::StrCat(rules_path_, ": cannot read the rules file");
  if (!StatFile(rules_path_, &mtime, &size)) {
    if (unreadable != reload_error_) {
      spdlog::error("alerting: {}; keeping the {} loaded rules", unreadable, rules_.size());
    }
    reload_error_ = unreadable;
    stats_.rules_file_ok = false;
    stats_.rules_file_error = unreadable;
    return;
  }
  if (mtime == rules_mtime_ns_ && size == rules_size_) {
    if (reload_error_ == unreadable) {  // back, unchanged: the loaded rules are its rules
      reload_error_.clear();
      stats_.rules_file_ok = true;
      stats_.rules_file_error.clear();
    }
    return;
  }
  // Changed: wait until it has stayed the same for one cycle, so a file
  // being written in place is not read half-way (a truncated but valid
  // file would resolve the alerts of the rules not written yet).
  if (mtime != candidate_mtime_ns_ || size != candidate_size_) {
    candidate_mtime_ns_ = mtime;
    candidate_size_ = size;
    return;
  }
  absl::StatusOr<std::vector<Rule>> loaded = LoadRules(rules_path_);
  if (!loaded.ok()) {
    const std::string error(loaded.status().message());
    if (error != reload_error_) {
      spdlog::error("alerting: rules file not reloaded, keeping the {} previous rules: {}",
                    rules_.size(), error);
    }
    reload_error_ = error;
    stats_.rules_file_ok = false;
    stats_.rules_file_error = error;
    // Retried on the next change only (same mtime/size: same error).
    rules_mtime_ns_ = mtime;
    rules_size_ = size;
    return;
  }
  rules_mtime_ns_ = mtime;
  rules_size_ = size;
  reload_error_.clear();
  stats_.rules_file_ok = true;
  stats_.rules_file_error.clear();
  stats_.rules_loaded_ms = now_ms;
  std::map<std::string, RuleStatus> old_status;
  for (RuleEntry& e : rules_) old_status[e.rule->name] = e.status;
  rules_.clear();
  for (Rule& r : *loaded) {
    RuleEntry e{std::make_shared<const Rule>(std::move(r)), {}};
    if (auto it = old_status.find(e.rule->name); it != old_status.end()) e.status = it->second;
    rules_.push_back(std::move(e));
  }
  stats_.rules = rules_.size();
  spdlog::info("alerting: reloaded {} rules from {}", rules_.size(), rules_path_);
  // Alerts of rules that are gone are resolved in EvaluateOnce.
}

void AlertEngine::EvaluateOnce() {
  const auto cycle_start = clock_.SteadyNow();
  const int64_t now_ms = clock_.NowMs();
  std::vector<std::shared_ptr<const Rule>> rules;
  {
    absl::MutexLock lock(&mu_);
    ReloadIfChanged(now_ms);
    RefreshSilences(now_ms);
    for (const RuleEntry& e : rules_) rules.push_back(e.rule);
  }
  // Evaluating without mu_ (on the snapshot) keeps the Alerts API and
  // self-metrics from waiting for a whole cycle of storage reads.
  std::vector<double> durations;
  const std::vector<absl::StatusOr<promql::EvalResult>> results = EvaluateRules(rules, now_ms, &durations);
  CycleOutput out;
  {
    absl::MutexLock lock(&mu_);
    out = ApplyCycle(rules, results, durations, now_ms);
  }
  LogTransitions(out.transitions);
  const absl::Status saved = store_.Save(out.to_save, out.to_remove, out.transitions);
  if (!saved.ok()) {
    // The in-memory state stays right and the unsaved alerts stay dirty, so
    // the next cycle saves them; this cycle's history lines are lost.
    spdlog::error("alerting: could not save alert states: {}", saved.message());
  }
  if (!out.due.empty() && sender_) sender_(std::move(out.due));
  const std::chrono::duration<double> took = clock_.SteadyNow() - cycle_start;
  absl::MutexLock lock(&mu_);
  if (saved.ok()) {
    // Keys dirtied again meanwhile cannot happen (only this thread writes),
    // but erase exactly what was saved rather than clear().
    for (const auto& [key, exists] : out.saved_keys) dirty_.erase(key);
  }
  stats_.last_cycle_seconds = took.count();
}

std::vector<absl::StatusOr<promql::EvalResult>> AlertEngine::EvaluateRules(
    const std::vector<std::shared_ptr<const Rule>>& rules, int64_t now_ms,
    std::vector<double>* durations) const {
  std::vector<absl::StatusOr<promql::EvalResult>> results;
  results.reserve(rules.size());
  for (const std::shared_ptr<const Rule>& rule : rules) {
    const auto start = clock_.SteadyNow();
    results.push_back(promql::Evaluate(rule->expr, source_, now_ms, options_.eval));
    durations->push_back(std::chrono::duration<double>(clock_.SteadyNow() - start).count());
  }
  return results;
}

AlertEngine::CycleOutput AlertEngine::ApplyCycle(
    const std::vector<std::shared_ptr<const Rule>>& rules,
    const std::vector<absl::StatusOr<promql::EvalResult>>& results, const std::vector<double>& durations,
    int64_t now_ms) {
  CycleOutput out;
  std::set<std::string> names;
  for (size_t i = 0; i < rules_.size(); ++i) {
    RuleEntry& e = rules_[i];
    names.insert(e.rule->name);
    // rules_ only changes in ReloadIfChanged, earlier in this cycle, so it
    // still is the evaluated snapshot.
    if (i >= rules.size() || rules[i] != e.rule) continue;
    e.status.last_evaluation_ms = now_ms;
    e.status.last_duration_seconds = durations[i];
    ApplyResult(e, results[i], now_ms, out.transitions, dirty_);
  }
  std::set<std::string> orphaned;
  for (const auto& [key, a] : alerts_) {
    if (names.count(a.rule) == 0) orphaned.insert(a.rule);
  }
  for (const std::string& rule : orphaned) ResolveAlertsOf(rule, now_ms, out.transitions, dirty_);
  out.due = DueNotifications(now_ms, dirty_);
  CollectChanges(now_ms, &out);
  CountStates();
  ++stats_.evaluations_total;
  stats_.notifications_queued_total += out.due.size();
  return out;
}

void AlertEngine::CollectChanges(int64_t now_ms, CycleOutput* out) {
  // Resolved alerts leave once their re-send window is over (after the
  // sends, so even a zero retention tells receivers once).
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    const Alert& a = it->second;
    if (a.state == AlertState::kResolved &&
        now_ms - a.resolved_ms >= options_.resolved_retention.count()) {
      dirty_[it->first] = false;
      it = alerts_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [key, exists] : dirty_) {
    if (!exists) {
      out->to_remove.push_back(key.substr(key.find('\0') + 1));
    } else if (auto it = alerts_.find(key); it != alerts_.end()) {
      out->to_save.push_back(it->second);
    }
  }
  out->saved_keys = dirty_;
}

void AlertEngine::CountStates() {
  stats_.pending = stats_.firing = stats_.resolved = stats_.silenced = 0;
  for (const auto& [key, a] : alerts_) {
    if (a.state == AlertState::kPending) ++stats_.pending;
    if (a.state == AlertState::kFiring) ++stats_.firing;
    if (a.state == AlertState::kResolved) ++stats_.resolved;
    if (a.state != AlertState::kResolved && IsSilenced(a)) ++stats_.silenced;
  }
}

void AlertEngine::LogTransitions(const std::vector<AlertTransition>& transitions) {
  // One line per transition at debug (an alert storm must not flood the
  // log), one summary per cycle with changes at info; `sctl alerts history`
  // has every transition.
  std::map<std::string, int> by_kind;
  for (const AlertTransition& t : transitions) {
    spdlog::debug("alert {} {}: {} -> {} (value {})", t.rule, SeriesKeyString({"", t.labels}),
                  t.from, t.to, t.value);
    ++by_kind[absl::StrCat(t.from, " -> ", t.to)];
  }
  if (transitions.size() == 1) {
    const AlertTransition& t = transitions[0];
    spdlog::info("alert {} {}: {} -> {} (value {})", t.rule, SeriesKeyString({"", t.labels}),
                 t.from, t.to, t.value);
  } else if (!transitions.empty()) {
    std::string summary;
    for (const auto& [kind, n] : by_kind) {
      absl::StrAppend(&summary, summary.empty() ? "" : ", ", n, " ", kind);
    }
    spdlog::info("alerting: {} transitions: {}", transitions.size(), summary);
  }
}

void AlertEngine::ApplyResult(RuleEntry& entry, const absl::StatusOr<promql::EvalResult>& result,
                              int64_t now_ms, std::vector<AlertTransition>& transitions,
                              std::map<std::string, bool>& changed) {
  const Rule& rule = *entry.rule;
  RuleStatus& status = entry.status;
  if (!result.ok()) {
    const std::string error(result.status().message());
    if (error != status.last_error) spdlog::error("alert rule {} ({}): {}", rule.name, rule.where, error);
    status.last_error = error;
    ++status.evaluation_failures_total;
    ++stats_.rule_failures_total;
    return;  // states untouched: missing data must not resolve anything
  }
  if (!status.last_error.empty()) spdlog::info("alert rule {}: evaluates again", rule.name);
  status.last_error.clear();

  // Right after a start, data is still arriving (agents reconnect, replay
  // their spools): what looks absent or recovered may only be late. So
  // during the grace period nothing resolves and absence rules raise nothing.
  const bool in_grace = now_ms < grace_until_ms_;
  const bool absence_rule = rule.expr_text.find("absent_for") != std::string::npos;
  std::set<std::string> matched;
  for (const promql::Element& el : result->vector) {
    if (in_grace && absence_rule) break;
    if (!std::isfinite(el.value)) continue;  // NaN/Inf (e.g. 0/0) is no evidence
    Labels labels = AlertLabels(rule, el.labels);
    const std::string fp = AlertFingerprint(rule.name, labels);
    if (!matched.insert(fp).second) continue;  // two elements, same alert labels
    const std::string key = Key(rule.name, fp);
    auto it = alerts_.find(key);
    if (it == alerts_.end() || it->second.state == AlertState::kResolved) {
      Alert a;
      a.fingerprint = fp;
      a.rule = rule.name;
      a.labels = std::move(labels);
      a.active_since_ms = now_ms;
      a.value = el.value;
      const bool fires_now = rule.for_duration.count() == 0;
      a.state = fires_now ? AlertState::kFiring : AlertState::kPending;
      a.fired_ms = fires_now ? now_ms : 0;
      transitions.push_back(Transition(a, now_ms, "inactive", AlertStateName(a.state)));
      it = alerts_.insert_or_assign(key, std::move(a)).first;
      changed[key] = true;
    } else if (it->second.state == AlertState::kPending &&
               now_ms - it->second.active_since_ms >= rule.for_duration.count()) {
      it->second.state = AlertState::kFiring;
      it->second.fired_ms = now_ms;
      it->second.value = el.value;
      transitions.push_back(Transition(it->second, now_ms, "pending", "firing"));
      changed[key] = true;
    }
    Alert& a = it->second;
    a.value = el.value;
    std::vector<std::pair<std::string, std::string>> annotations;
    for (const auto& [name, tmpl] : rule.annotations) {
      annotations.emplace_back(name, tmpl.Render(a.labels, a.value));
    }
    // A new value (and the annotations showing it) is not saved every
    // cycle, only with a state change or a (re)send: a restart needs the
    // state and timers, and that keeps the store's writes small.
    a.annotations = MakeLabels(std::move(annotations));
  }

  SettleRuleAlerts(entry, matched, in_grace, now_ms, transitions, changed);
}

void AlertEngine::SettleRuleAlerts(RuleEntry& entry, const std::set<std::string>& matched,
                                   bool in_grace, int64_t now_ms,
                                   std::vector<AlertTransition>& transitions,
                                   std::map<std::string, bool>& changed) {
  const Rule& rule = *entry.rule;
  RuleStatus& status = entry.status;
  status.pending = status.firing = 0;
  const std::string prefix = Key(rule.name, "");
  for (auto it = alerts_.lower_bound(prefix);
       it != alerts_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    Alert& a = it->second;
    if (matched.count(a.fingerprint) != 0) {
      if (a.state == AlertState::kPending) ++status.pending;
      if (a.state == AlertState::kFiring) ++status.firing;
      ++it;
      continue;
    }
    if (a.state == AlertState::kPending && !in_grace) {
      transitions.push_back(Transition(a, now_ms, "pending", "inactive"));
      changed[it->first] = false;
      it = alerts_.erase(it);
      continue;
    }
    if (a.state == AlertState::kFiring && !in_grace) {
      a.state = AlertState::kResolved;
      a.resolved_ms = now_ms;
      transitions.push_back(Transition(a, now_ms, "firing", "resolved"));
      changed[it->first] = true;
    }
    ++it;
  }
}

void AlertEngine::ResolveAlertsOf(const std::string& rule, int64_t now_ms,
                                  std::vector<AlertTransition>& transitions,
                                  std::map<std::string, bool>& changed) {
  const std::string prefix = Key(rule, "");
  for (auto it = alerts_.lower_bound(prefix);
       it != alerts_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    Alert& a = it->second;
    if (a.state == AlertState::kPending) {
      transitions.push_back(Transition(a, now_ms, "pending", "inactive"));
      changed[it->first] = false;
      it = alerts_.erase(it);
      continue;
    }
    if (a.state == AlertState::kFiring) {
      a.state = AlertState::kResolved;
      a.resolved_ms = now_ms;
      transitions.push_back(Transition(a, now_ms, "firing", "resolved"));
      changed[it->first] = true;
    }
    ++it;
  }
}

std::vector<AlertNotification> AlertEngine::DueNotifications(int64_t now_ms,
                                                             std::map<std::string, bool>& changed) {
  const int64_t resend = options_.resend_interval.count();
  const int64_t valid_for =
      4 * std::max(resend, static_cast<int64_t>(options_.evaluation_interval.count()));
  std::vector<AlertNotification> out;
  for (auto& [key, a] : alerts_) {
    if (a.state == AlertState::kPending) continue;
    const bool just_changed =
        (a.state == AlertState::kFiring && a.last_sent_ms < a.fired_ms) ||
        (a.state == AlertState::kResolved && a.last_sent_ms < a.resolved_ms);
    const bool resend_due = a.last_sent_ms == 0 || now_ms - a.last_sent_ms >= resend;
    if (!just_changed && !resend_due) continue;
    if (IsSilenced(a)) continue;
    AlertNotification n;
    n.labels = a.labels;
    n.annotations = a.annotations;
    n.starts_at_ms = a.fired_ms;
    n.resolved = a.state == AlertState::kResolved;
    n.ends_at_ms = n.resolved ? a.resolved_ms : now_ms + valid_for;
    n.fingerprint = a.fingerprint;
    n.generator_url = options_.generator_url;
    out.push_back(std::move(n));
    a.last_sent_ms = now_ms;
    changed[key] = true;
  }
  return out;
}

void AlertEngine::RefreshSilences(int64_t now_ms) {
  absl::StatusOr<std::vector<Silence>> silences = store_.Silences(now_ms);
  if (!silences.ok()) {
    spdlog::error("alerting: cannot read silences, keeping the previous ones: {}",
                  silences.status().message());
    return;
  }
  silences_.clear();
  for (Silence& s : *silences) {
    if (!s.ActiveAt(now_ms)) continue;
    absl::StatusOr<Selector> sel = ParseSelector(s.matchers);
    if (!sel.ok()) continue;  // validated when added
    absl::StatusOr<CompiledSelector> compiled = CompiledSelector::Compile(*sel);
    if (!compiled.ok()) continue;
    silences_.emplace_back(std::move(s), *std::move(compiled));
  }
}

bool AlertEngine::IsSilenced(const Alert& alert) const {
  const SeriesKey key{"", alert.labels};
  for (const auto& [silence, selector] : silences_) {
    if (selector.Matches(key)) return true;
  }
  return false;
}

std::vector<AlertView> AlertEngine::Alerts() const {
  absl::MutexLock lock(&mu_);
  std::vector<AlertView> out;
  out.reserve(alerts_.size());
  for (const auto& [fp, a] : alerts_) out.push_back({a, IsSilenced(a)});
  return out;
}

std::vector<RuleStatus> AlertEngine::Rules() const {
  absl::MutexLock lock(&mu_);
  std::vector<RuleStatus> out;
  for (const RuleEntry& e : rules_) {
    RuleStatus s = e.status;
    s.name = e.rule->name;
    s.expr = e.rule->expr_text;
    s.where = e.rule->where;
    s.for_duration = e.rule->for_duration;
    s.labels = e.rule->labels;
    out.push_back(std::move(s));
  }
  return out;
}

EngineStats AlertEngine::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace scout::collector::alerting
