/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network programs: packets and bytes in the context of the process that
 * sends or receives them (rx and tx). Included once, by energy.bpf.c.
 */
#ifndef ENERGY_NET_BPF_H
#define ENERGY_NET_BPF_H

static __always_inline int on_xmit(struct sk_buff *skb)
{
	struct energy_proc *e = current_proc();

	if (e) {
		__sync_fetch_and_add(&e->c.tx_packets, 1);
		__sync_fetch_and_add(&e->c.tx_bytes, BPF_CORE_READ(skb, len));
	}
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(net_dev_start_xmit_btf, struct sk_buff *skb)
{
	return on_xmit(skb);
}

SEC("raw_tp/net_dev_start_xmit")
int BPF_PROG(net_dev_start_xmit_raw, struct sk_buff *skb)
{
	return on_xmit(skb);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(net_dev_queue_btf, struct sk_buff *skb)
{
	return on_xmit(skb);
}

SEC("raw_tp/net_dev_queue")
int BPF_PROG(net_dev_queue_raw, struct sk_buff *skb)
{
	return on_xmit(skb);
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
