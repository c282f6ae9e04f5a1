#!/usr/bin/env python3
"""Makes host loopback services reachable from inside a network namespace at the same address.

    nsforward.py NETNS_PATH HOST:PORT [HOST:PORT...]

For each address it binds a listening socket *inside* the namespace (setns, bind, setns back),
then accepts there and connects out from the host's namespace: a socket keeps the namespace it
was created in. The real node's kubelet and containerd use it to reach the loopback apiserver
(127.0.0.1:16443) and registry (127.0.0.1:15001) under the very names the host uses, so image
references and kubeconfigs are the same inside and outside the node.
"""
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def serve(listener, target):
    while True:
        client, _ = listener.accept()
        try:
            upstream = socket.create_connection(target, timeout=10)
            upstream.settimeout(None)
        except OSError as e:
            print(f"nsforward: {target[0]}:{target[1]} unreachable: {e}", file=sys.stderr, flush=True)
            client.close()
            continue
        a = threading.Thread(target=pump, args=(client, upstream), daemon=True)
        b = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        a.start(); b.start()
        threading.Thread(target=lambda: (a.join(), b.join(), client.close(), upstream.close()), daemon=True).start()


def main():
    netns, addrs = sys.argv[1], sys.argv[2:]
    host_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
    node_ns = os.open(netns, os.O_RDONLY)
    listeners = []
    setns(node_ns)
    try:
        for addr in addrs:
            host, port = addr.rsplit(":", 1)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, int(port)))
            s.listen(128)
            listeners.append((s, (host, int(port))))
    finally:
        setns(host_ns)
    os.close(node_ns)
    threads = [threading.Thread(target=serve, args=l, daemon=True) for l in listeners]
    for t in threads:
        t.start()
    print("nsforward: forwarding " + " ".join(addrs) + " into " + netns, flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
