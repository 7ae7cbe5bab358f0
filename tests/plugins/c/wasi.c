/* wasi.wasm: a WASI reactor using wasi-libc files, exit and clocks. Needs the
 * host's WASI support; paths are guest paths under the manifest's
 * allowed_paths. Failures set the C library's strerror() text as the error. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "extism.h"

/* The input as a NUL-terminated heap string (the length goes to *len). */
static char *input_string(uint64_t *len) {
    *len = extism_input_length();
    char *s = malloc(*len + 1);
    if (s == NULL)
        return NULL;
    xt_input_read((uint8_t *)s, *len);
    s[*len] = '\0';
    return s;
}

/* Input: a guest path. Output: the file's bytes. */
EXTISM_EXPORT(read_file) int32_t read_file(void) {
    uint64_t n;
    char *path = input_string(&n);
    if (path == NULL)
        return xt_fail(strerror(ENOMEM));
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return xt_fail(strerror(errno));
    size_t cap = 4096, used = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            close(fd);
            return xt_fail(strerror(ENOMEM));
        }
        ssize_t got = read(fd, buf + used, cap - used);
        if (got < 0) {
            int e = errno;
            close(fd);
            return xt_fail(strerror(e));
        }
        if (got == 0)
            break;
        used += (size_t)got;
        if (used == cap)
            buf = realloc(buf, cap *= 2);
    }
    close(fd);
    xt_output(buf, used);
    return 0;
}

/* Input: "<guest path>\n<content>". Creates or truncates the file and writes
 * the content (which may be empty or contain further newlines). */
EXTISM_EXPORT(write_file) int32_t write_file(void) {
    uint64_t n;
    char *in = input_string(&n);
    if (in == NULL)
        return xt_fail(strerror(ENOMEM));
    char *nl = memchr(in, '\n', n);
    if (nl == NULL)
        return xt_fail(strerror(EINVAL));
    *nl = '\0';
    const char *data = nl + 1;
    size_t left = (size_t)(in + n - data);
    int fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return xt_fail(strerror(errno));
    while (left > 0) {
        ssize_t put = write(fd, data, left);
        if (put < 0) {
            int e = errno;
            close(fd);
            return xt_fail(strerror(e));
        }
        data += put;
        left -= (size_t)put;
    }
    if (close(fd) != 0)
        return xt_fail(strerror(errno));
    return 0;
}

/* Input: decimal N (1 to 9 digits). Sets the output to the input, then calls
 * exit(N), i.e. WASI proc_exit(N), so the host can see which output survives. */
EXTISM_EXPORT(exit_with) int32_t exit_with(void) {
    uint64_t n;
    char *digits = input_string(&n);
    if (digits == NULL)
        return xt_fail(strerror(ENOMEM));
    if (n == 0 || n > 9)
        return xt_fail(strerror(EINVAL));
    int code = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return xt_fail(strerror(EINVAL));
        code = code * 10 + (digits[i] - '0');
    }
    xt_output(digits, n);
    exit(code);
}

/* Output: CLOCK_REALTIME in whole milliseconds since the Unix epoch, decimal. */
EXTISM_EXPORT(clock_ms) int32_t clock_ms(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return xt_fail(strerror(errno));
    char digits[20];
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    xt_output(digits, (uint64_t)xt_u64_dec(digits, ms));
    return 0;
}
