/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network programs: packets and bytes of the process that sends or receives
 * them (tx and rx). Included once, by energy.bpf.c.
 */
#ifndef ENERGY_NET_BPF_H
#define ENERGY_NET_BPF_H

/* A CPU serving softirqs has its flag in "softirq_cpu" set. */
static __always_inline int set_softirq(__u32 on)
{
	__u32 zero = 0, *f = bpf_map_lookup_elem(&softirq_cpu, &zero);

	if (f)
		*f = on;
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry_btf)
{
	return set_softirq(1);
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(softirq_entry_raw)
{
	return set_softirq(1);
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit_btf)
{
	return set_softirq(0);
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(softirq_exit_raw)
{
	return set_softirq(0);
}

static __always_inline bool in_softirq_now(void)
{
	__u32 zero = 0, *f = bpf_map_lookup_elem(&softirq_cpu, &zero);

	return f && *f;
}

/* Wire packets in @skb: a GSO packet leaves the host as gso_segs. */
static __always_inline __u64 skb_packets(struct sk_buff *skb)
{
	struct skb_shared_info *sh;
	__u16 segs;

	sh = (void *)(BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, end));
	segs = BPF_CORE_READ(sh, gso_segs);
	return segs ? segs : 1;
}

/*
 * Whether @skb, queued on its device, is an IP packet seen there first: not
 * one a bridge, bond or team passes to a port below it, nor one a VLAN
 * device tagged for its real device (the upper device counted it).
 */
static __always_inline bool first_ip_device(struct sk_buff *skb)
{
	__u16 proto = BPF_CORE_READ(skb, protocol);
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	__u64 priv;

	if (proto != ENERGY_ETH_P_IP_BE && proto != ENERGY_ETH_P_IPV6_BE)
		return false;
	if (bpf_core_field_exists(skb->vlan_all) && BPF_CORE_READ(skb, vlan_all))
		return false;
	if (!dev)
		return true;
	if (BPF_CORE_READ(dev, flags) & ENERGY_IFF_SLAVE)
		return false;
	priv = BPF_CORE_READ_BITFIELD_PROBED(dev, priv_flags);
	return !(priv & (ENERGY_IFF_BRIDGE_PORT | ENERGY_IFF_TEAM_PORT));
}

/*
 * An IP packet a local socket sends, counted once, where it is queued on
 * its first device (net_dev_queue runs before the qdisc, in the context
 * that queued it). Queued by a user process in its own context, the
 * packet is that process's, which becomes the socket's owner. Queued in
 * softirq (TCP's ACK clocking and timers, a stacked device's backlog) or
 * by a kernel thread (threaded NAPI), it is the owner's of skb->sk; a
 * kernel thread's own socket counts to the thread, and a packet queued in
 * softirq without a socket (forwarded) or whose socket no process owns
 * yet (the kernel's replies, a listener's SYN-ACK) to no process.
 */
static __always_inline int on_xmit_queue(struct sk_buff *skb, struct sock *sk)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct energy_proc *e;
	struct energy_thread *ts;
	struct sock_owner *o;

	if (!first_ip_device(skb))
		return 0;
	o = sk ? bpf_sk_storage_get(&sock_owners, sk, 0, 0) : NULL;
	if (!in_softirq_now() && t->pid &&
	    (!(t->flags & ENERGY_PF_KTHREAD) || !o)) {
		ts = task_state_of(t);
		if (!ts)
			return 0;
		e = proc_of(t, t->tgid, ts);
		if (!e)
			return 0;
		if (!o && sk)
			o = bpf_sk_storage_get(&sock_owners, sk, 0,
					       BPF_SK_STORAGE_GET_F_CREATE);
		if (o && (o->slot != ts->slot - 1 || o->tgid != t->tgid)) {
			o->slot = ts->slot - 1;
			o->tgid = t->tgid;
		}
	} else {
		if (!o)
			return 0;
		e = slot_entry(o->slot);
		/* The slot went to another process after the owner's exit. */
		if (!e || e->key.tgid != o->tgid)
			return 0;
	}
	__sync_fetch_and_add(&e->c.tx_packets, skb_packets(skb));
	__sync_fetch_and_add(&e->c.tx_bytes, BPF_CORE_READ(skb, len));
	return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(net_dev_queue_btf, struct sk_buff *skb)
{
	return on_xmit_queue(skb, skb->sk);
}

/* raw_tp has no socket storage: what a process queues in its own context
 * is its own, what is queued in softirq counts to no process. */
SEC("raw_tp/net_dev_queue")
int BPF_PROG(net_dev_queue_raw, struct sk_buff *skb)
{
	return on_xmit_queue(skb, NULL);
}

static __always_inline int on_recv(__u64 bytes)
{
	struct energy_proc *e = current_proc();

	if (e) {
		__sync_fetch_and_add(&e->c.rx_packets, 1);
		__sync_fetch_and_add(&e->c.rx_bytes, bytes);
	}
	return 0;
}

/* One successful recvmsg on an IPv4/IPv6 socket is one packet received. */
static __always_inline int on_sock_recv(struct sock *sk, int ret, int flags)
{
	__u16 family;

	if (ret <= 0 || (flags & ENERGY_MSG_PEEK))
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != ENERGY_AF_INET && family != ENERGY_AF_INET6)
		return 0;
	return on_recv(ret);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length_btf, struct sock *sk, int ret, int flags)
{
	return on_sock_recv(sk, ret, flags);
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(sock_recv_length_raw, struct sock *sk, int ret, int flags)
{
	return on_sock_recv(sk, ret, flags);
}

/*
 * Kernels without sock_recv_length (before 6.3) but with BPF trampolines:
 * the return of the recvmsg of every IPv4 and IPv6 socket, which
 * sock_recvmsg calls (read, recv, recvmsg, recvmmsg, io_uring alike).
 */
SEC("fexit/inet_recvmsg")
int BPF_PROG(inet_recvmsg_fexit, struct socket *sock, struct msghdr *msg,
	     size_t size, int flags, int ret)
{
	return on_sock_recv(BPF_CORE_READ(sock, sk), ret, flags);
}

SEC("fexit/inet6_recvmsg")
int BPF_PROG(inet6_recvmsg_fexit, struct socket *sock, struct msghdr *msg,
	     size_t size, int flags, int ret)
{
	return on_sock_recv(BPF_CORE_READ(sock, sk), ret, flags);
}

/* Older kernels: one skb copied to user space, IP packets only (unix
 * sockets copy through the same path). */
static __always_inline int on_skb_copy(struct sk_buff *skb, int len)
{
	__u16 proto = BPF_CORE_READ(skb, protocol);

	if (len <= 0 ||
	    (proto != ENERGY_ETH_P_IP_BE && proto != ENERGY_ETH_P_IPV6_BE))
		return 0;
	return on_recv(len);
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(skb_copy_datagram_iovec_btf, struct sk_buff *skb, int len)
{
	return on_skb_copy(skb, len);
}

SEC("raw_tp/skb_copy_datagram_iovec")
int BPF_PROG(skb_copy_datagram_iovec_raw, struct sk_buff *skb, int len)
{
	return on_skb_copy(skb, len);
}

#endif /* ENERGY_NET_BPF_H */
