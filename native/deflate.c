/*
 * boxwright's gzip addon: libdeflate's compressor, called from Node on libuv's thread pool.
 *
 * gzip(buffer, level) compresses one block into one complete gzip member and resolves to
 * a Buffer; blocks compressed in parallel concatenate into one valid gzip stream. libdeflate
 * writes a zero timestamp and a fixed OS byte, so the bytes depend on the input and level
 * alone. Each pool thread keeps its own compressor, since allocating one costs more than
 * compressing a small block.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref input; /* keeps the caller's buffer alive while a pool thread reads it */
  const uint8_t *in;
  size_t in_len;
  int level;
  uint8_t *out;
  size_t out_len;
  const char *error;
} job_t;

static __thread struct libdeflate_compressor *thread_compressor;
static __thread int thread_level = -1;

static void compress_block(napi_env env, void *data) {
  job_t *job = data;
  (void)env;
  if (thread_level != job->level) {
    if (thread_compressor) libdeflate_free_compressor(thread_compressor);
    thread_compressor = libdeflate_alloc_compressor(job->level);
    thread_level = thread_compressor ? job->level : -1;
  }
  if (!thread_compressor) {
    job->error = "libdeflate could not make a compressor (out of memory?)";
    return;
  }
  size_t bound = libdeflate_gzip_compress_bound(thread_compressor, job->in_len);
  job->out = malloc(bound);
  if (!job->out) {
    job->error = "out of memory for a compressed block";
    return;
  }
  job->out_len = libdeflate_gzip_compress(thread_compressor, job->in, job->in_len, job->out, bound);
  if (job->out_len == 0) {
    job->error = "libdeflate's output did not fit its own bound";
    return;
  }
  /* The bound is larger than what compressed data needs; give the rest back. */
  uint8_t *fitted = realloc(job->out, job->out_len);
  if (fitted) job->out = fitted;
}

static void free_block(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static void settle(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  napi_value result;
  if (status == napi_ok && !job->error) {
    status = napi_create_external_buffer(env, job->out_len, job->out, free_block, NULL, &result);
    if (status == napi_no_external_buffers_allowed) {
      void *copy;
      status = napi_create_buffer_copy(env, job->out_len, job->out, &copy, &result);
      free(job->out);
    }
    if (status == napi_ok) {
      napi_resolve_deferred(env, job->deferred, result);
    } else {
      napi_value message;
      napi_create_string_utf8(env, "could not hand a compressed block to JavaScript", NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, NULL, message, &result);
      napi_reject_deferred(env, job->deferred, result);
    }
  } else {
    free(job->out);
    napi_value message;
    napi_create_string_utf8(env, job->error ? job->error : "the compression was cancelled", NAPI_AUTO_LENGTH,
                            &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, job->deferred, result);
  }
  napi_delete_reference(env, job->input);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value gzip(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2)
    return throw_type_error(env, "gzip(buffer, level) takes a Buffer and a level");
  bool is_buffer = false;
  napi_is_buffer(env, argv[0], &is_buffer);
  if (!is_buffer) return throw_type_error(env, "gzip: the first argument must be a Buffer");
  int32_t level;
  if (napi_get_value_int32(env, argv[1], &level) != napi_ok || level < 0 || level > 12)
    return throw_type_error(env, "gzip: the level must be an integer from 0 to 12");

  job_t *job = calloc(1, sizeof *job);
  if (!job) return throw_type_error(env, "gzip: out of memory");
  void *in;
  napi_get_buffer_info(env, argv[0], &in, &job->in_len);
  job->in = in;
  job->level = level;
  napi_value promise, name;
  napi_create_reference(env, argv[0], 1, &job->input);
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "boxwright.gzip", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, compress_block, settle, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn, version;
  napi_create_function(env, "gzip", NAPI_AUTO_LENGTH, gzip, NULL, &fn);
  napi_set_named_property(env, exports, "gzip", fn);
  napi_create_string_utf8(env, LIBDEFLATE_VERSION_STRING, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "libdeflateVersion", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
