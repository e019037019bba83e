#include "model/op.h"

namespace apcb::model {

bool is_mutating(const Op& op) {
  return !(std::holds_alternative<op::VcpuObserve>(op) || std::holds_alternative<op::ReadMdev>(op) ||
           std::holds_alternative<op::ReadBusMask>(op) ||
           std::holds_alternative<op::ReadQueueStatus>(op));
}

}  // namespace apcb::model
