#include "impl/vfio_ap/sysfs.h"

#include "model/parse.h"
#include "model/render.h"

namespace apcb::impl::vfio_ap {

using model::Errno;
using model::MdevAttr;

Errno MdevSysfs::store(OpContext& ctx, std::string_view uuid, MdevAttr attr, std::string_view text) {
  if (attr == MdevAttr::ap_config) return store_ap_config(ctx, uuid, text);
  return store_id(ctx, uuid, attr, text);
}

Errno MdevSysfs::store_id(OpContext& ctx, std::string_view uuid, MdevAttr attr, std::string_view text) {
  const model::Parsed<std::uint64_t> value = model::parse_kstrtoul(text);
  const model::HostParams& p = driver_.params();
  int max = p.adm_max();
  bool needs_perms = false;  // ap_apqn_in_matrix_owned_by_def_drv needs ap_perms_mutex
  switch (attr) {
    case MdevAttr::assign_adapter: needs_perms = true; [[fallthrough]];
    case MdevAttr::unassign_adapter: max = p.apm_max(); break;
    case MdevAttr::assign_domain: needs_perms = true; [[fallthrough]];
    case MdevAttr::unassign_domain: max = p.aqm_max(); break;
    default: break;
  }
  if (needs_perms) ctx.locks.acquire(bus_.perms_mutex());
  MatrixMdev* m = driver_.get_update_locks_for_mdev(ctx, uuid);
  if (m == nullptr) return Errno::enoent;
  if (!value.ok()) return value.error;
  if (value.value > static_cast<std::uint64_t>(max)) return Errno::enodev;
  const auto id = static_cast<model::ApId>(value.value);
  switch (attr) {
    case MdevAttr::assign_adapter: return driver_.assign_adapter(ctx, *m, id);
    case MdevAttr::unassign_adapter: return driver_.unassign_adapter(ctx, *m, id);
    case MdevAttr::assign_domain: return driver_.assign_domain(ctx, *m, id);
    case MdevAttr::unassign_domain: return driver_.unassign_domain(ctx, *m, id);
    case MdevAttr::assign_control_domain: return driver_.assign_control_domain(ctx, *m, id);
    case MdevAttr::unassign_control_domain: return driver_.unassign_control_domain(ctx, *m, id);
    case MdevAttr::ap_config: break;
  }
  return Errno::einval;
}

Errno MdevSysfs::store_ap_config(OpContext& ctx, std::string_view uuid, std::string_view text) {
  const model::Parsed<model::Matrix> parsed = model::parse_ap_config(text);
  ctx.locks.acquire(bus_.perms_mutex());
  MatrixMdev* m = driver_.get_update_locks_for_mdev(ctx, uuid);
  if (m == nullptr) return Errno::enoent;
  if (!parsed.ok()) return parsed.error;
  return driver_.write_ap_config(ctx, *m, parsed.value);
}

Errno MdevSysfs::show(OpContext& ctx, std::string_view uuid, model::MdevView view, std::string& out) {
  const MatrixMdev* m = driver_.lock_mdevs_and_find(ctx, uuid);
  if (m == nullptr) return Errno::enoent;
  const model::HostParams& p = driver_.params();
  switch (view) {
    case model::MdevView::matrix: out = model::render_matrix(m->matrix, p); break;
    case model::MdevView::guest_matrix: out = model::render_matrix(m->shadow_apcb, p); break;
    case model::MdevView::control_domains: out = model::render_control_domains(m->matrix, p); break;
    case model::MdevView::ap_config: out = model::render_ap_config(m->matrix); break;
  }
  return Errno::ok;
}

}  // namespace apcb::impl::vfio_ap
