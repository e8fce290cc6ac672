/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel constants the programs need that vmlinux.h cannot carry (they are
 * macros, not types): the same on every kernel energyd supports.
 */
#ifndef ENERGY_KCONST_BPF_H
#define ENERGY_KCONST_BPF_H

/* include/linux/sched.h */
#define ENERGY_PF_EXITING	0x00000004
#define ENERGY_PF_KTHREAD	0x00200000
/* task->__state at a task's final switch-out (do_task_dead) */
#define ENERGY_TASK_DEAD	0x00000080

/* include/linux/blk_types.h: enum { BIO_PAGE_PINNED, BIO_CLONED, ... },
 * an anonymous enum that CO-RE cannot name; BIO_CLONED is 1 since 4.x */
#define ENERGY_BIO_CLONED	1

/* include/uapi/linux/magic.h */
#define ENERGY_BDEVFS_MAGIC	0x62646576

/* include/linux/backing-dev.h, since 5.10 */
#define ENERGY_BDI_CAP_WRITEBACK	(1 << 0)

/* include/uapi/asm-generic/errno-base.h */
#define ENERGY_EEXIST		17

/* include/linux/socket.h */
#define ENERGY_AF_INET		2
#define ENERGY_AF_INET6		10
#define ENERGY_MSG_PEEK		2

/* include/uapi/linux/if.h: net_device.flags */
#define ENERGY_IFF_SLAVE	0x800
/* include/linux/netdevice.h: net_device.priv_flags, the same since 5.x */
#define ENERGY_IFF_BRIDGE_PORT	(1 << 9)
#define ENERGY_IFF_TEAM_PORT	(1 << 13)

/* include/uapi/linux/if_ether.h: skb->protocol, in network byte order */
#define ENERGY_ETH_P_IP_BE	0x0008
#define ENERGY_ETH_P_IPV6_BE	0xdd86

#endif /* ENERGY_KCONST_BPF_H */
