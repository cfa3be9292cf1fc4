// Pre-bound SO_REUSEPORT sockets: one per worker and protocol, so the kernel spreads clients.
#pragma once

#include <QHostAddress>
#include <QString>

namespace sk::net {

enum class SocketKind
{
    Tcp,
    Udp
};

// Opens a non-blocking socket bound to address:port with SO_REUSEADDR and SO_REUSEPORT (TCP
// sockets also listen). The IPv6 any-address binds dual-stack (IPV6_V6ONLY off) so one
// socket serves both families. Returns the fd, or -1 with `error` set.
int openBoundSocket(SocketKind kind, const QHostAddress &address, quint16 port, int backlog,
                    QString *error);

// The port the kernel gave a socket (for port 0).
quint16 boundPort(int fd);

// Sets SO_RCVBUF/SO_SNDBUF to at least `bytes` (best effort: the kernel may cap it).
void setBufferSizes(int fd, int bytes);

} // namespace sk::net
