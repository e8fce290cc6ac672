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

/* include/uapi/asm-generic/errno-base.h */
#define ENERGY_EEXIST		17

/* include/linux/socket.h */
#define ENERGY_AF_INET		2
#define ENERGY_AF_INET6		10
#define ENERGY_MSG_PEEK		2

/* include/uapi/linux/if_ether.h: skb->protocol, in network byte order */
#define ENERGY_ETH_P_IP_BE	0x0008
#define ENERGY_ETH_P_IPV6_BE	0xdd86

#endif /* ENERGY_KCONST_BPF_H */
