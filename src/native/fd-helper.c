/*
 * fd-helper.node: the launcher's two file-descriptor chores that JavaScript
 * cannot do, done just before process.execve() replaces it with node.
 *
 * Pure JavaScript cannot create an AF_UNIX SOCK_DGRAM socket, so this is the
 * one piece of native code in nodeunit. It runs only in the launcher, before
 * process.execve(); the app process never loads it. The socket is created
 * WITHOUT close-on-exec on purpose: it must survive the exec so that the
 * preload, now running in the same PID as node, can write(2) notifications
 * to it and systemd's default NotifyAccess=main accepts them.
 *
 * connectNotifySocket(path) -> fd
 *   path   "/run/systemd/notify" (filesystem) or "@name" (abstract namespace),
 *          exactly as systemd passes it in $NOTIFY_SOCKET.
 *   fd     a connected, non-blocking datagram socket (non-blocking so that a
 *          full receive queue in PID 1 can never stall the app's event loop).
 * Throws an Error naming the failing call and errno text when the path is
 * empty, too long for sun_path, or socket()/connect() fail.
 *
 * prepareListenFd(fd) -> wasBlocking (boolean)
 *   For each of systemd's sockets (LISTEN_FDS, sd_listen_fds(3)):
 *   - clears FD_CLOEXEC, so the socket reaches node: the launcher's own
 *     runtime marks inherited fds close-on-exec at start-up, and
 *     process.execve() would close them;
 *   - sets O_NONBLOCK at once: systemd clears it at every start unless the
 *     unit says NonBlocking=yes, and the flag is shared by every instance
 *     on the same socket; a sibling blocked in accept() stalls its event
 *     loop until the next connection. libuv sets it too, but only after
 *     node has booted, and neither closes the window between systemd's
 *     fork and this call: only NonBlocking=yes does.
 *   Returns whether the fd was in blocking mode (NonBlocking= not set).
 *   Throws when the fd is not open (EBADF).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <node_api.h>

static napi_value fail(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value notify_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1)
    return fail(env, "connect(path)", EINVAL);

  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  char path[sizeof sa.sun_path + 2];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok)
    return fail(env, "NOTIFY_SOCKET is not a string", EINVAL);
  if (len == 0 || (path[0] != '/' && path[0] != '@'))
    return fail(env, "NOTIFY_SOCKET must be an absolute path or @abstract name", EINVAL);
  if (len > sizeof sa.sun_path || (path[0] == '/' && len == sizeof sa.sun_path))
    return fail(env, "NOTIFY_SOCKET is too long", ENAMETOOLONG);

  memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = '\0';
  socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/' ? 1 : 0));

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(env, "socket(AF_UNIX, SOCK_DGRAM)", errno);
  if (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
    int err = errno;
    close(fd);
    return fail(env, "connect(NOTIFY_SOCKET)", err);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

static napi_value prepare_listen_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0)
    return fail(env, "prepareListenFd(fd)", EINVAL);
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return fail(env, "fcntl(F_GETFD)", errno);
  if ((flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) return fail(env, "fcntl(F_SETFD)", errno);
  int status = fcntl(fd, F_GETFL);
  if (status < 0) return fail(env, "fcntl(F_GETFL)", errno);
  bool was_blocking = !(status & O_NONBLOCK);
  if (was_blocking && fcntl(fd, F_SETFL, status | O_NONBLOCK) < 0) return fail(env, "fcntl(F_SETFL)", errno);
  napi_value result;
  napi_get_boolean(env, was_blocking, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "connectNotifySocket", NAPI_AUTO_LENGTH, notify_connect, NULL, &fn);
  napi_set_named_property(env, exports, "connectNotifySocket", fn);
  napi_create_function(env, "prepareListenFd", NAPI_AUTO_LENGTH, prepare_listen_fd, NULL, &fn);
  napi_set_named_property(env, exports, "prepareListenFd", fn);
  return exports;
}
