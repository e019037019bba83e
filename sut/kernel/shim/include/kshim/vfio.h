/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim/vfio.h — the VFIO device core and the mediated-device (mdev) core as the vfio_ap
 * driver sees them: device allocation with the driver's init callback, registration, the
 * device ops the harness calls (open/close/ioctl/request), pinning, and the mdev driver and
 * parent registration. The uapi definitions (VFIO_DEVICE_RESET, struct vfio_irq_set, ...) are
 * the kernel tree's own <uapi/linux/vfio.h>.
 *
 * Lifetimes follow the version: up to 6.1 the driver's release callback frees the device
 * through vfio_free_device; later the core frees it after calling release, if any.
 */
#ifndef KSHIM_VFIO_H_
#define KSHIM_VFIO_H_

#include <uapi/linux/vfio.h>

struct kvm;
struct iommufd_ctx;
struct vfio_device;

struct vfio_device_ops {
  const char* name;
  int (*init)(struct vfio_device* vdev);
  void (*release)(struct vfio_device* vdev);
  int (*bind_iommufd)(struct vfio_device* vdev, struct iommufd_ctx* ictx, u32* out_device_id);
  void (*unbind_iommufd)(struct vfio_device* vdev);
  int (*attach_ioas)(struct vfio_device* vdev, u32* pt_id);
  void (*detach_ioas)(struct vfio_device* vdev);
  int (*open_device)(struct vfio_device* vdev);
  void (*close_device)(struct vfio_device* vdev);
  ssize_t (*read)(struct vfio_device* vdev, char __user* buf, size_t count, loff_t* ppos);
  ssize_t (*write)(struct vfio_device* vdev, const char __user* buf, size_t count, loff_t* size);
  long (*ioctl)(struct vfio_device* vdev, unsigned int cmd, unsigned long arg);
  int (*mmap)(struct vfio_device* vdev, void* vma);
  void (*request)(struct vfio_device* vdev, unsigned int count);
  int (*match)(struct vfio_device* vdev, char* buf);
  void (*dma_unmap)(struct vfio_device* vdev, u64 iova, u64 length);
  int (*device_feature)(struct vfio_device* device, u32 flags, void __user* arg, size_t argsz);
};

struct vfio_device {
  struct device* dev;
  const struct vfio_device_ops* ops;
  struct kvm* kvm;
  unsigned int open_count;
  bool registered;
};

struct vfio_device* _vfio_alloc_device(size_t size, struct device* dev, const struct vfio_device_ops* ops);
#define vfio_alloc_device(dev_struct, member, dev, ops)                                        \
  container_of(_vfio_alloc_device(sizeof(struct dev_struct) +                                 \
                                      BUILD_BUG_ON_ZERO(offsetof(struct dev_struct, member)), \
                                  dev, ops),                                                   \
               struct dev_struct, member)
void vfio_put_device(struct vfio_device* device);
void vfio_free_device(struct vfio_device* device);
int vfio_register_emulated_iommu_dev(struct vfio_device* device);
void vfio_unregister_group_dev(struct vfio_device* device);
int vfio_pin_pages(struct vfio_device* device, dma_addr_t iova, int npage, int prot, struct page** pages);
void vfio_unpin_pages(struct vfio_device* device, dma_addr_t iova, int npage);
int vfio_set_irqs_validate_and_prepare(struct vfio_irq_set* hdr, int num_irqs, int max_irq_type, size_t* data_size);
int vfio_iommufd_emulated_bind(struct vfio_device* vdev, struct iommufd_ctx* ictx, u32* out_device_id);
void vfio_iommufd_emulated_unbind(struct vfio_device* vdev);
int vfio_iommufd_emulated_attach_ioas(struct vfio_device* vdev, u32* pt_id);
void vfio_iommufd_emulated_detach_ioas(struct vfio_device* vdev);

/* ---- mdev --------------------------------------------------------------------------------- */
struct mdev_parent;
struct mdev_type {
  const char* sysfs_name;
  const char* pretty_name;
  struct mdev_parent* parent;
};
struct mdev_device {
  struct device dev;
  guid_t uuid;
  struct mdev_type* type;
};
struct mdev_driver {
  const char* device_api;
  unsigned int max_instances;
  int (*probe)(struct mdev_device* dev);
  void (*remove)(struct mdev_device* dev);
  unsigned int (*get_available)(struct mdev_type* mtype);
  ssize_t (*show_description)(struct mdev_type* mtype, char* buf);
  struct device_driver driver;
};
struct mdev_parent {
  struct device* dev;
  struct mdev_driver* mdev_driver;
  struct mdev_type** types;
  unsigned int nr_types;
  atomic_t available_instances;
};
static inline struct device* mdev_dev(struct mdev_device* mdev) { return &mdev->dev; }
static inline struct mdev_device* to_mdev_device(struct device* dev) { return container_of(dev, struct mdev_device, dev); }
int mdev_register_parent(struct mdev_parent* parent, struct device* dev, struct mdev_driver* mdev_driver,
                         struct mdev_type** types, unsigned int nr_types);
void mdev_unregister_parent(struct mdev_parent* parent);
int mdev_register_driver(struct mdev_driver* drv);
void mdev_unregister_driver(struct mdev_driver* drv);

#endif /* KSHIM_VFIO_H_ */
