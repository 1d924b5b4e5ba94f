// Fuzz target: the agent's procfs and sysfs parsers. The kernel's files are
// trusted in shape but not in content (a process names itself; a mount
// path, an interface name or a container's /proc can hold anything), so
// every parser gets the same bytes: /proc/stat, meminfo, loadavg, mounts,
// mountinfo, diskstats, vmstat, file-nr, uptime, pressure/*,
// /proc/<pid>/stat, statm, status, cmdline, /etc/passwd, net/dev,
// net/{tcp,udp}*, net/snmp. The seeds are the fixture trees of
// tests/fixtures/proc.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/host/net_parsers.h"
#include "agent/host/proc_parsers.h"
#include "agent/host/process_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scout::agent;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ParseProcStat(text);
  (void)ParseMeminfo(text);
  (void)ParseLoadavg(text);
  (void)ParseMounts(text);
  (void)ParseMountInfo(text);
  (void)ParseDiskstats(text);
  (void)ParseVmstat(text);
  (void)ParseFileNr(text);
  (void)ParseUptime(text);
  (void)ParsePressure(text, "pressure/cpu");
  (void)ParsePidStat(text);
  (void)ParseStatmResidentPages(text);
  (void)ParsePidStatus(text);
  (void)JoinCmdline(text);
  (void)ParsePasswd(text);
  (void)ParseNetDev(text);
  (void)ParseNetSockets(text, "net/tcp");
  (void)ParseNetSnmpCounter(text, "Tcp", "RetransSegs");
  (void)ParseNetSnmpCounter(text, "Udp", "InErrors");
  return 0;
}
