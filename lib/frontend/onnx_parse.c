/* onnx_parse.c — bytes to protobuf-c messages, and TensorProto to host data.
 *
 * protobuf-c unpacks nested messages recursively without a depth limit, so a
 * file of a few megabytes of nested attribute subgraphs could exhaust the
 * stack. Before unpacking, the wire format is walked once with the message
 * descriptors, which rejects nesting deeper than ONNX_MAX_DEPTH and
 * truncated fields with a message that says where. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../big_alloc.h"
#include "../common.h"
#include "onnx_internal.h"

/* Messages are allocated through big_alloc.h: a model's weights (parsed
 * one initializer at a time, see onnx_parse_model_lazy) then go back to
 * the system when freed instead of staying in the host's malloc heap. */
static void *pb_alloc(void *data, size_t size) {
    (void)data;
    return rt_big_alloc(size);
}

static void pb_free(void *data, void *p) {
    (void)data;
    rt_big_free(p);
}

static ProtobufCAllocator pb_allocator = {pb_alloc, pb_free, NULL};

void onnx_model_free(Onnx__ModelProto *m) {
    if (m) onnx__model_proto__free_unpacked(m, &pb_allocator);
}

void onnx_tensor_free(Onnx__TensorProto *t) {
    if (t) onnx__tensor_proto__free_unpacked(t, &pb_allocator);
}

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*p >= end) return false;
        uint8_t b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << (shift < 64 ? shift : 63);
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

/* Walks one message's fields; recurses into sub-messages. */
static tvm_status check_wire(const ProtobufCMessageDescriptor *d, const uint8_t *p,
                             const uint8_t *end, int depth, const uint8_t *base) {
    if (depth > ONNX_MAX_DEPTH)
        return err_set(TVM_ERR_PARSE, "onnx: messages nested more than %d deep (at byte %zu)",
                       ONNX_MAX_DEPTH, (size_t)(p - base));
    while (p < end) {
        const uint8_t *field_at = p;
        uint64_t key, len;
        if (!read_varint(&p, end, &key))
            return err_set(TVM_ERR_PARSE, "onnx: truncated field key at byte %zu in %s",
                           (size_t)(field_at - base), d->name);
        switch (key & 7) {
        case 0:
            if (!read_varint(&p, end, &len)) goto truncated;
            break;
        case 1:
            if (end - p < 8) goto truncated;
            p += 8;
            break;
        case 5:
            if (end - p < 4) goto truncated;
            p += 4;
            break;
        case 2: {
            if (!read_varint(&p, end, &len) || len > (uint64_t)(end - p)) goto truncated;
            const ProtobufCFieldDescriptor *f =
                key >> 3 <= UINT32_MAX
                    ? protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3))
                    : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                tvm_status s = check_wire(f->descriptor, p, p + len, depth + 1, base);
                if (s != TVM_OK) return s;
            }
            p += len;
            break;
        }
        default:
            return err_set(TVM_ERR_PARSE,
                           "onnx: invalid wire type %d at byte %zu in %s (not a protobuf "
                           "message, or a corrupted one)",
                           (int)(key & 7), (size_t)(field_at - base), d->name);
        }
        continue;
    truncated:
        return err_set(TVM_ERR_PARSE, "onnx: field %llu at byte %zu of %s runs past the end "
                       "of its message (truncated file?)",
                       (unsigned long long)(key >> 3), (size_t)(field_at - base), d->name);
    }
    return TVM_OK;
}

static void *unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t size) {
    if (check_wire(d, data, data + size, 0, data) != TVM_OK) return NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &pb_allocator, size, data);
    if (!m)
        err_set(TVM_ERR_PARSE, "onnx: %zu bytes are not a valid %s (protobuf-c rejected them)",
                size, d->name);
    return m;
}

/* ---- large initializers left in place ------------------------------------
 *
 * The model's bytes are rewritten without the big initializer messages of
 * its graph (a small copy: nodes, names, small tensors) before the unpack.
 * Only the top-level ModelProto.graph (field 7) and its
 * GraphProto.initializer entries (field 5) are touched; a model with other
 * than one graph field parses whole. The bytes passed check_wire first. */
#define LEN_KEY(field) (((uint64_t)(field) << 3) | 2)
#define MODEL_GRAPH 7
#define GRAPH_INITIALIZER 5

typedef struct wire_field {
    uint64_t key;
    const uint8_t *start, *payload, *end; /* key, value (length-delimited), end */
} wire_field;

static bool next_field(const uint8_t **p, const uint8_t *end, wire_field *f) {
    uint64_t len;
    f->start = *p;
    if (!read_varint(p, end, &f->key)) return false;
    f->payload = *p;
    switch (f->key & 7) {
    case 0: if (!read_varint(p, end, &len)) return false; break;
    case 1: if (end - *p < 8) return false; *p += 8; break;
    case 5: if (end - *p < 4) return false; *p += 4; break;
    case 2:
        if (!read_varint(p, end, &len) || len > (uint64_t)(end - *p)) return false;
        f->payload = *p;
        *p += len;
        break;
    default: return false;
    }
    f->end = *p;
    return true;
}

static size_t varint_size(uint64_t v) {
    size_t n = 1;
    for (; v >= 0x80; v >>= 7) n++;
    return n;
}

static uint8_t *put_varint(uint8_t *o, uint64_t v) {
    for (; v >= 0x80; v >>= 7) *o++ = (uint8_t)(v | 0x80);
    *o++ = (uint8_t)v;
    return o;
}

/* The graph's fields without its big initializers: their size, and with
 * out set the bytes themselves and the lazy table. *nlazy counts them. */
static size_t strip_graph(const uint8_t *p, const uint8_t *end, size_t min_bytes, uint8_t *out,
                          onnx_lazy *lazy, size_t *nlazy) {
    size_t kept = 0, index = 0, n = 0;
    wire_field f;
    while (p < end && next_field(&p, end, &f)) {
        if (f.key == LEN_KEY(GRAPH_INITIALIZER)) {
            size_t len = (size_t)(f.end - f.payload);
            if (len >= min_bytes) {
                if (lazy) lazy[n] = (onnx_lazy){index, f.payload, len};
                n++;
                index++;
                continue;
            }
            index++;
        }
        size_t sz = (size_t)(f.end - f.start);
        if (out) memcpy(out + kept, f.start, sz);
        kept += sz;
    }
    *nlazy = n;
    return kept;
}

Onnx__ModelProto *onnx_parse_model_lazy(const uint8_t *data, size_t size, size_t min_bytes,
                                        onnx_lazy **lazy, size_t *nlazy) {
    const ProtobufCMessageDescriptor *d = &onnx__model_proto__descriptor;
    size_t full = size;
    *lazy = NULL;
    *nlazy = 0;
    if (check_wire(d, data, data + size, 0, data) != TVM_OK) return NULL;
    const uint8_t *p = data, *end = data + size;
    wire_field f, graph = {0};
    int ngraph = 0;
    while (p < end && next_field(&p, end, &f))
        if (f.key == LEN_KEY(MODEL_GRAPH)) graph = f, ngraph++;
    size_t n = 0;
    size_t kept = ngraph == 1 ? strip_graph(graph.payload, graph.end, min_bytes, NULL, NULL, &n)
                              : 0;
    const uint8_t *bytes = data;
    uint8_t *copy = NULL;
    onnx_lazy *table = NULL;
    if (n) {
        size_t head = (size_t)(graph.start - data), tail = (size_t)(end - graph.end);
        size = head + varint_size(LEN_KEY(MODEL_GRAPH)) + varint_size(kept) + kept + tail;
        copy = malloc(size);
        table = malloc(n * sizeof *table);
        if (!copy || !table) {
            free(copy);
            free(table);
            err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory for the model's structure");
            return NULL;
        }
        uint8_t *o = copy;
        memcpy(o, data, head);
        o = put_varint(o + head, LEN_KEY(MODEL_GRAPH));
        o = put_varint(o, kept);
        strip_graph(graph.payload, graph.end, min_bytes, o, table, &n);
        memcpy(o + kept, graph.end, tail);
        bytes = copy;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &pb_allocator, size, bytes);
    free(copy);
    if (!m) {
        free(table);
        err_set(TVM_ERR_PARSE, "onnx: %zu bytes are not a valid %s (protobuf-c rejected them)",
                full, d->name);
        return NULL;
    }
    *lazy = table;
    *nlazy = n;
    return (Onnx__ModelProto *)m;
}

#define TENSOR_RAW_DATA 9

Onnx__TensorProto *onnx_parse_tensor_borrowed(const uint8_t *data, size_t size, bool *borrowed) {
    const ProtobufCMessageDescriptor *d = &onnx__tensor_proto__descriptor;
    *borrowed = false;
    if (check_wire(d, data, data + size, 0, data) != TVM_OK) return NULL;
    const uint8_t *p = data, *end = data + size;
    wire_field f, raw = {0};
    size_t kept = 0;
    while (p < end && next_field(&p, end, &f)) {
        if (f.key == LEN_KEY(TENSOR_RAW_DATA)) raw = f; /* the last one counts */
        else kept += (size_t)(f.end - f.start);
    }
    if (!raw.start) return unpack(d, data, size);
    uint8_t *copy = malloc(kept ? kept : 1);
    if (!copy) {
        err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory for a tensor's description");
        return NULL;
    }
    p = data;
    kept = 0;
    while (p < end && next_field(&p, end, &f))
        if (f.key != LEN_KEY(TENSOR_RAW_DATA)) {
            memcpy(copy + kept, f.start, (size_t)(f.end - f.start));
            kept += (size_t)(f.end - f.start);
        }
    Onnx__TensorProto *t = (Onnx__TensorProto *)protobuf_c_message_unpack(d, &pb_allocator,
                                                                          kept, copy);
    free(copy);
    if (!t) {
        err_set(TVM_ERR_PARSE, "onnx: %zu bytes are not a valid %s (protobuf-c rejected them)",
                size, d->name);
        return NULL;
    }
    t->has_raw_data = 1;
    t->raw_data.data = (uint8_t *)raw.payload;
    t->raw_data.len = (size_t)(raw.end - raw.payload);
    *borrowed = true;
    return t;
}

void onnx_tensor_unborrow(Onnx__TensorProto *t) {
    t->raw_data.data = NULL;
    t->raw_data.len = 0;
    t->has_raw_data = 0;
}

Onnx__TensorProto *onnx_parse_tensor(const uint8_t *data, size_t size) {
    return unpack(&onnx__tensor_proto__descriptor, data, size);
}

tvm_dtype onnx_dtype(int32_t t) {
    switch (t) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return TVM_FLOAT32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return TVM_UINT8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return TVM_INT8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: return TVM_INT16;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return TVM_INT32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return TVM_INT64;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return TVM_BOOL;
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: return TVM_FLOAT16;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: return TVM_FLOAT64;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16: return TVM_BFLOAT16;
    default: return (tvm_dtype)0;
    }
}

const char *onnx_dtype_name(int32_t t) {
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&onnx__tensor_proto__data_type__descriptor, t);
    return v ? v->name : "unknown";
}

tvm_status onnx_tensor_check(const Onnx__TensorProto *t, const char *what, tvm_dtype *dtype,
                             int *ndim, int64_t *shape, int64_t *count) {
    if (t->has_data_location &&
        t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return err_set(TVM_ERR_UNSUPPORTED,
                       "onnx: tensor '%s' keeps its data in an external file, which the "
                       "importer does not read (save the model with the data inside)", what);
    tvm_dtype dt = onnx_dtype(t->data_type);
    if (!dt)
        return err_set(TVM_ERR_UNSUPPORTED, "onnx: tensor '%s' has element type %s, which "
                       "tvmc has no dtype for", what, onnx_dtype_name(t->data_type));
    if (t->n_dims > TVM_MAX_NDIM)
        return err_set(TVM_ERR_LIMIT, "onnx: tensor '%s' has %zu dims (at most %d)", what,
                       t->n_dims, TVM_MAX_NDIM);
    int64_t numel = 1;
    for (size_t k = 0; k < t->n_dims; k++) {
        if (t->dims[k] < 0 || mul_overflow_i64(numel, t->dims[k], &numel) ||
            numel > ((int64_t)1 << 40))
            return err_set(TVM_ERR_PARSE, "onnx: tensor '%s' has an invalid or absurd dim %lld "
                           "(dims[%zu])", what, (long long)t->dims[k], k);
        shape[k] = t->dims[k];
    }
    size_t esize = (size_t)dtype_bytes(dt), bytes = (size_t)numel * esize;
    size_t have; /* elements present in the typed field used */
    if (t->has_raw_data) {
        if (t->raw_data.len != bytes)
            return err_set(TVM_ERR_PARSE, "onnx: tensor '%s' has %zu bytes of raw_data but its "
                           "shape needs %zu", what, t->raw_data.len, bytes);
        have = (size_t)numel;
    } else {
        switch (dt) {
        case TVM_FLOAT32: have = t->n_float_data; break;
        case TVM_FLOAT64: have = t->n_double_data; break;
        case TVM_INT64: have = t->n_int64_data; break;
        default: have = t->n_int32_data; break;
        }
        if (have != (size_t)numel)
            return err_set(TVM_ERR_PARSE, "onnx: tensor '%s' holds %zu values but its shape "
                           "needs %lld", what, have, (long long)numel);
    }
    *dtype = dt;
    *ndim = (int)t->n_dims;
    *count = numel;
    return TVM_OK;
}

tvm_status onnx_tensor_data(const Onnx__TensorProto *t, const char *what, tvm_dtype *dtype,
                            int *ndim, int64_t *shape, void **data) {
    tvm_dtype dt;
    int64_t numel;
    tvm_status s = onnx_tensor_check(t, what, &dt, ndim, shape, &numel);
    if (s != TVM_OK) return s;
    size_t bytes = (size_t)numel * (size_t)dtype_bytes(dt);
    uint8_t *buf = malloc(bytes ? bytes : 1);
    if (!buf) return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory for tensor '%s'", what);
    if (t->has_raw_data) {
        /* raw_data is little-endian, like every host tvmc supports. */
        if (bytes) memcpy(buf, t->raw_data.data, bytes);
        if (dt == TVM_BOOL)
            for (size_t k = 0; k < bytes; k++) buf[k] = buf[k] != 0;
    } else {
        for (int64_t k = 0; k < numel; k++) {
            switch (dt) {
            case TVM_FLOAT32: ((float *)buf)[k] = t->float_data[k]; break;
            case TVM_FLOAT64: ((double *)buf)[k] = t->double_data[k]; break;
            case TVM_INT64: ((int64_t *)buf)[k] = t->int64_data[k]; break;
            case TVM_INT32: ((int32_t *)buf)[k] = t->int32_data[k]; break;
            case TVM_INT16: ((int16_t *)buf)[k] = (int16_t)t->int32_data[k]; break;
            case TVM_INT8: ((int8_t *)buf)[k] = (int8_t)t->int32_data[k]; break;
            case TVM_UINT8: buf[k] = (uint8_t)t->int32_data[k]; break;
            case TVM_BOOL: buf[k] = t->int32_data[k] != 0; break;
            /* float16 / bfloat16 travel as their bit patterns in int32_data */
            default: ((uint16_t *)buf)[k] = (uint16_t)t->int32_data[k]; break;
            }
        }
    }
    *dtype = dt;
    *data = buf;
    return TVM_OK;
}

void onnx_tensor_release(Onnx__TensorProto *t) {
    /* free_unpacked skips NULL fields, so the message stays valid to free
     * later. */
    rt_big_free(t->raw_data.data);
    t->raw_data.data = NULL;
    t->raw_data.len = 0;
    t->has_raw_data = 0;
    rt_big_free(t->float_data);
    t->float_data = NULL;
    t->n_float_data = 0;
    rt_big_free(t->double_data);
    t->double_data = NULL;
    t->n_double_data = 0;
    rt_big_free(t->int32_data);
    t->int32_data = NULL;
    t->n_int32_data = 0;
    rt_big_free(t->int64_data);
    t->int64_data = NULL;
    t->n_int64_data = 0;
}
