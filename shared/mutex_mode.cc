#include "shared/mutex_mode.h"

#include "absl/synchronization/mutex.h"

namespace scout {

void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace scout
