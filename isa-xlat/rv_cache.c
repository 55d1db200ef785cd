/* rv_cache: per-thread cache of decoded basic blocks, keyed by guest pc, with invalidation. */
#include "isa-xlat/rv_translate.h"

#include "base/base.h"

#include <sys/mman.h>

#define BUCKETS 4096u         /* power of two */
#define CHUNK (256u * 1024u)  /* arena chunk */
#define ARENA_MAX (64u << 20) /* beyond this much decoded code, start again from empty */
#define CODE_MAX (32u << 20)  /* translated code per thread; when full, start again from empty */
#define BLOCK_BYTES_MAX (sizeof(struct rv_block) + RV_BLOCK_MAX * sizeof(struct rv_insn))

struct chunk {
    struct chunk *next;
    size_t used;
    _Alignas(16) unsigned char data[];
};

struct rv_cache {
    struct rv_block *table[BUCKETS];
    struct chunk *chunks; /* newest first; blocks never move, so pointers to them stay valid
                           * until the next full flush */
    size_t arena_bytes;
    uint64_t epoch;       /* how many rv_invalidate calls of the rv_mem have been applied */
    uint64_t lo, hi;      /* every block was decoded from [lo, hi): ranges outside need no walk */
    struct x86_code code; /* translated blocks; mapped on first use */
    struct rv_faultmap faults; /* their guest accesses, for host faults */
    bool code_failed;     /* it could not be mapped: interpret everything */
    bool stubs_ok;        /* stubs is in code (which a reset empties) */
    struct rv_xstubs stubs;
    struct rv_jcache *jcache;
    bool jcache_mapped;       /* by mmap below 2 GiB, where code addresses it absolutely */
    struct rv_chain *pending; /* the direct exit the last run left by, to link to its target */
    bool fill_jcache;         /* the last run left by an indirect jump the cache missed */
    struct rv_cache_stats st;
    struct rv_running running; /* this thread's hart among running_mem's (rv_cache_attach) */
    struct rv_mem *running_mem;
};

struct rv_cache *rv_cache_new(void)
{
    struct rv_cache *c = viv_xcalloc(1, sizeof(struct rv_cache));
    /* Below 2 GiB, an indirect jump's lookup takes the slot's address from its pc in one
     * operand, where it would otherwise load the cache's address first; elsewhere when that
     * part of the address space is taken. */
    void *low = mmap(NULL, sizeof(struct rv_jcache), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low != MAP_FAILED && (uintptr_t)low + sizeof(struct rv_jcache) <= INT32_MAX) {
        c->jcache = low;
        c->jcache_mapped = true;
    } else {
        if (low != MAP_FAILED)
            munmap(low, sizeof(struct rv_jcache));
        c->jcache = viv_xmalloc(sizeof(struct rv_jcache));
    }
    memset(c->jcache, 0xff, sizeof(*c->jcache)); /* odd pcs: no jump matches */
    return c;
}

static void free_chunks(struct rv_cache *c)
{
    struct chunk *k = c->chunks;
    while (k) {
        struct chunk *next = k->next;
        free(k);
        k = next;
    }
    c->chunks = NULL;
    c->arena_bytes = 0;
}

void rv_cache_free(struct rv_cache *c)
{
    if (!c)
        return;
    if (c->running_mem)
        rv_running_leave(c->running_mem, &c->running);
    free_chunks(c);
    x86_code_free(&c->code);
    rv_faultmap_free(&c->faults);
    if (c->jcache_mapped)
        munmap(c->jcache, sizeof(struct rv_jcache));
    else
        free(c->jcache);
    free(c);
}

void rv_cache_stats(const struct rv_cache *c, struct rv_cache_stats *st)
{
    *st = c->st;
    st->bytes = c->arena_bytes;
    st->code_bytes = c->code.used;
}

static void flush_all(struct rv_cache *c)
{
    memset(c->table, 0, sizeof(c->table));
    c->lo = c->hi = 0;
    free_chunks(c);
    /* No block refers to translated code any more: translated code is only reached from blocks
     * of the table, the jump cache and other translated code, all gone. */
    x86_code_reset(&c->code);
    c->faults.n = 0;
    c->stubs_ok = false;
    memset(c->jcache, 0xff, sizeof(*c->jcache)); /* odd pcs: no jump matches */
    c->pending = NULL;
    c->st.blocks = 0;
    c->st.flushes++;
}

/* Jumps into b's code go back to their exit paths: b is about to be dropped. false when one
 * could not be changed. */
static bool unlink_into(struct rv_cache *c, struct rv_block *b)
{
    bool ok = true;
    for (struct rv_chain *ch = b->in; ch; ch = ch->next_in) {
        if (ch->linked && x86_code_patch32(&c->code, ch->site, ch->unlinked) == 0)
            ch->linked = false;
        else if (ch->linked)
            ok = false;
    }
    b->in = NULL;
    return ok;
}

static void drop_range(struct rv_cache *c, uint64_t lo, uint64_t hi)
{
    /* The loader's and the guest's mappings invalidate often, mostly where no code was decoded
     * from: then the walk over every bucket is saved. */
    if (hi <= c->lo || lo >= c->hi)
        return;
    bool dropped_code = false, stuck = false;
    for (unsigned i = 0; i < BUCKETS; i++) {
        struct rv_block **pp = &c->table[i];
        while (*pp) {
            struct rv_block *b = *pp;
            if (b->lo < hi && b->end > lo) {
                *pp = b->next; /* its memory returns at the next full flush */
                c->st.blocks--;
                if (b->host_code) {
                    stuck |= !unlink_into(c, b);
                    dropped_code = true;
                }
            } else {
                pp = &b->next;
            }
        }
    }
    if (dropped_code) {
        memset(c->jcache, 0xff, sizeof(*c->jcache)); /* odd pcs: no jump matches */
        c->pending = NULL;
    }
    if (stuck) {
        /* A jump into dropped code stays (the arena's protections cannot be changed any more):
         * no translated code may run again. */
        flush_all(c);
        c->code_failed = true;
    }
}

void rv_cache_sync(struct rv_cache *c, struct rv_mem *mem)
{
    uint64_t e = __atomic_load_n(&mem->inval_epoch, __ATOMIC_ACQUIRE);
    if (e == c->epoch)
        return;
    uint64_t lo[RV_INVAL_LOG], hi[RV_INVAL_LOG];
    uint64_t n = e - c->epoch;
    if (n < RV_INVAL_LOG) {
        for (uint64_t i = 0; i < n; i++) {
            unsigned slot = (unsigned)((c->epoch + i) % RV_INVAL_LOG);
            lo[i] = __atomic_load_n(&mem->inval_log[slot].lo, __ATOMIC_RELAXED);
            hi[i] = __atomic_load_n(&mem->inval_log[slot].hi, __ATOMIC_RELAXED);
        }
        /* A writer reuses slot k only while the epoch equals k + RV_INVAL_LOG, so the entries
         * just read are intact if the epoch has not come that far meanwhile. */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        uint64_t e2 = __atomic_load_n(&mem->inval_epoch, __ATOMIC_RELAXED);
        if (e2 - c->epoch < RV_INVAL_LOG) {
            for (uint64_t i = 0; i < n; i++)
                drop_range(c, lo[i], hi[i]);
            c->epoch = e;
            return;
        }
        e = e2;
    }
    flush_all(c);
    c->epoch = e;
}

static struct rv_block *alloc_block(struct rv_cache *c)
{
    if (c->arena_bytes >= ARENA_MAX)
        flush_all(c);
    if (!c->chunks || CHUNK - c->chunks->used < BLOCK_BYTES_MAX) {
        struct chunk *k = viv_xmalloc(sizeof(struct chunk) + CHUNK);
        k->next = c->chunks;
        k->used = 0;
        c->chunks = k;
        c->arena_bytes += CHUNK;
    }
    return (struct rv_block *)(c->chunks->data + c->chunks->used);
}

/* Fetch the instruction at p: its bits, or the first guest address that cannot be read. */
static bool fetch(const struct rv_mem *mem, uint64_t p, uint32_t *bits, uint64_t *bad)
{
    uint16_t lo, hi;
    const void *h = rv_mem_host(mem, p, 2);
    if (!h) {
        *bad = p;
        return false;
    }
    memcpy(&lo, h, 2);
    *bits = lo;
    if (rv_insn_length(lo) == 2)
        return true;
    h = rv_mem_host(mem, p + 2, 2); /* p < size, so p + 2 does not wrap */
    if (!h) {
        *bad = p + 2;
        return false;
    }
    memcpy(&hi, h, 2);
    *bits |= (uint32_t)hi << 16;
    return true;
}

static struct rv_block *decode_block(struct rv_cache *c, struct rv_mem *mem, uint64_t pc,
                                     struct rv_exit *ex)
{
    if (pc & 1) /* only a caller's bad pc can get here: jumps clear bit 0 (spec 2.5) */
        return rv_trap(ex, RV_EXIT_MISALIGNED, pc, pc, NULL), NULL;
    struct rv_block *b = alloc_block(c);
    uint64_t p = pc, bad = 0, lo = pc, hi = pc;
    uint64_t at[RV_BLOCK_MAX]; /* the pc of each instruction decoded */
    uint32_t n = 0, bits;
    while (n < RV_BLOCK_MAX) {
        if (!fetch(mem, p, &bits, &bad)) {
            if (n == 0) {
                rv_trap(ex, RV_EXIT_FETCH_FAULT, pc, bad, NULL);
                return NULL;
            }
            break; /* the fault is raised when execution reaches it */
        }
        at[n] = p;
        struct rv_insn *in = &b->insn[n++];
        rv_decode(bits, in);
        if (p < lo)
            lo = p;
        if (p + in->len > hi)
            hi = p + in->len;
        if (in->op == RV_OP_JAL) {
            /* A jal back into this block closes a loop: unrolling it would only make the
             * block run longer between checks. */
            p += (uint64_t)(int64_t)in->imm;
            bool loop = false;
            for (uint32_t i = 0; i < n && !loop; i++)
                loop = at[i] == p;
            if (loop)
                break;
            continue;
        }
        p += in->len;
        if (rv_op_ends_block(in->op))
            break;
    }
    b->pc = pc;
    b->lo = lo;
    b->end = hi;
    if (c->lo == c->hi) { /* nothing decoded yet */
        c->lo = lo;
        c->hi = hi;
    } else {
        c->lo = lo < c->lo ? lo : c->lo;
        c->hi = hi > c->hi ? hi : c->hi;
    }
    b->n = n;
    b->hits = 0;
    b->host_code = NULL;
    b->xlat_failed = false;
    b->nchain = 0;
    b->in = NULL;
    c->chunks->used += (sizeof(struct rv_block) + n * sizeof(struct rv_insn) + 15) & ~(size_t)15;
    return b;
}

struct rv_block *rv_cache_get(struct rv_cache *c, struct rv_mem *mem, uint64_t pc,
                              struct rv_exit *ex)
{
    unsigned h = (unsigned)(pc >> 1) & (BUCKETS - 1);
    c->st.lookups++;
    for (struct rv_block *b = c->table[h]; b; b = b->next)
        if (b->pc == pc)
            return b;
    c->st.misses++;
    struct rv_block *b = decode_block(c, mem, pc, ex);
    if (!b)
        return NULL;
    b->next = c->table[h];
    c->table[h] = b;
    c->st.blocks++;
    return b;
}

/* The block at pc, if the cache holds one (rv_xlinks.find). */
static struct rv_block *find(void *cache, uint64_t pc)
{
    struct rv_cache *c = cache;
    struct rv_block *b = c->table[(unsigned)(pc >> 1) & (BUCKETS - 1)];
    while (b && b->pc != pc)
        b = b->next;
    return b;
}

bool rv_cache_translate(struct rv_cache *c, const struct rv_mem *mem, struct rv_block *b)
{
    if (!c->code.base && !c->code_failed && x86_code_init(&c->code, CODE_MAX) < 0)
        c->code_failed = true;
    if (!c->code_failed && !c->stubs_ok) {
        if (c->code.used > 0)
            x86_code_reset(&c->code); /* only stubs that did not all fit can be there */
        c->faults.n = 0;
        c->stubs_ok = rv_xstubs_make(&c->code, &c->stubs);
        c->code_failed = !c->stubs_ok;
    }
    if (c->code_failed) {
        b->xlat_failed = true;
        return true;
    }
    /* The exit the last run left by, if it leads here, is linked with the new code. */
    struct rv_chain *into = c->pending && c->pending->target == b->pc ? c->pending : NULL;
    struct rv_xlinks links = {
        .find = find,
        .ctx = c,
        .into = into,
        .jcache_low = c->jcache_mapped ? c->jcache : NULL,
    };
    switch (rv_translate(&c->code, &c->stubs, &c->faults, mem, &links, b)) {
    case RV_XLAT_OK:
        c->st.translated++;
        c->st.chained += b->loops;
        for (unsigned k = 0; k < b->nchain; k++)
            c->st.chained += b->chain[k].linked;
        c->st.chained += into && into->linked;
        return true;
    case RV_XLAT_FULL:
        if (c->code.used > 256) { /* more than the stubs: emptying it makes room */
            flush_all(c);
            return false;
        }
        /* An empty arena that refuses code will refuse it again. */
        c->code_failed = true;
        b->xlat_failed = true;
        return true;
    case RV_XLAT_NONE:
    default:
        b->xlat_failed = true;
        return true;
    }
}

void rv_cache_attach(struct rv_cache *c, struct rv_mem *mem, struct rv_cpu *cpu)
{
    if (c->running_mem == mem && c->running.cpu == cpu)
        return;
    if (c->running_mem)
        rv_running_leave(c->running_mem, &c->running);
    rv_running_enter(mem, &c->running, cpu);
    c->running_mem = mem;
}

int rv_cache_interp(struct rv_cache *c, struct rv_cpu *cpu, struct rv_mem *mem,
                    struct rv_block *b, uint64_t limit, uint32_t hot, struct rv_exit *ex)
{
    for (;;) {
        int r = rv_interp_block(cpu, mem, b, ex);
        if (r != 0)
            return r;
        /* What rv_run looks at between blocks, here only in its cheap form: anything to do
         * (a stop, the limit, code invalidated, a block to translate or decode) is rv_run's. */
        if (__atomic_load_n(&cpu->stop, __ATOMIC_RELAXED) || cpu->instret >= limit ||
            __atomic_load_n(&mem->inval_epoch, __ATOMIC_ACQUIRE) != c->epoch)
            return 0;
        uint64_t pc = cpu->pc;
        struct rv_block *n = c->table[(unsigned)(pc >> 1) & (BUCKETS - 1)];
        while (n && n->pc != pc)
            n = n->next;
        if (!n || (!n->xlat_failed && (n->host_code || n->hits + 1 >= hot)))
            return 0;
        c->st.lookups++;
        n->hits++;
        b = n;
    }
}

bool rv_cache_fault(const struct rv_cache *c, struct rv_cpu *cpu, void *uc)
{
    return rv_faultmap_restore(&c->faults, c->code.base, cpu, uc);
}

/* Point the direct exit ch at b's code. */
static void link_chain(struct rv_cache *c, struct rv_chain *ch, struct rv_block *b)
{
    int64_t rel = (intptr_t)b->host_code - (intptr_t)(ch->site + 4);
    if (ch->linked || rel != (int32_t)rel || x86_code_patch32(&c->code, ch->site, (int32_t)rel))
        return;
    ch->linked = true;
    ch->next_in = b->in;
    b->in = ch;
    c->st.chained++;
}

int rv_cache_exec(struct rv_cache *c, struct rv_cpu *cpu, struct rv_mem *mem, struct rv_block *b,
                  uint64_t limit, struct rv_exit *ex)
{
    /* Translated code takes the dynamic rounding mode for RNE (rv_translate_fp.c): under any
     * other, the interpreter runs the block. */
    if (cpu->frm != RV_RNE) {
        c->pending = NULL;
        c->fill_jcache = false;
        return rv_interp_block(cpu, mem, b, ex);
    }
    /* The limit, then a look at what clears it: a stop request or an invalidation made before
     * the store is seen here, one made after it clears the limit again (rv_request_stop,
     * rv_invalidate). Either way rv_run deals with it before code runs stale. */
    __atomic_store_n(&cpu->run_limit, limit, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&cpu->stop, __ATOMIC_ACQUIRE) ||
        __atomic_load_n(&mem->inval_epoch, __ATOMIC_ACQUIRE) != c->epoch)
        return 0;
    if (c->pending && c->pending->target == b->pc)
        link_chain(c, c->pending, b);
    if (c->fill_jcache) {
        unsigned s = rv_jcache_slot(b->pc);
        c->jcache->e[s].pc = b->pc;
        c->jcache->e[s].code = b->host_code;
    }
    c->pending = NULL;
    c->fill_jcache = false;
    struct rv_xframe *f = &cpu->xf;
    *f = (struct rv_xframe){
        .cpu = cpu,
        .base = mem->base,
        .last = {mem->size - 1, mem->size - 2, mem->size - 4, mem->size - 8},
        .jcache = c->jcache,
        .mem = mem,
        .ex = ex,
    };
    rv_xlat_enter(&c->stubs, f, b->host_code);
    switch (f->kind) {
    case TR_EXIT_NEXT:
        c->fill_jcache = true;
        return 0;
    case TR_EXIT_CHAIN:
        c->pending = (struct rv_chain *)(uintptr_t)f->ptr;
        return 0;
    case TR_EXIT_DONE:
        return (int)ex->reason;
    default:
        return rv_trap(ex, (enum rv_exit_reason)(f->kind - TR_EXIT_TRAP), cpu->pc, f->addr,
                       f->ptr);
    }
}
