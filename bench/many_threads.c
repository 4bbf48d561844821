// Benchmark subject: N threads (argv[1], default 2000) wait on a condition variable; then the main
// thread dereferences NULL. Small stacks keep the core small.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t ready;

static void* idle(void* arg) {
    (void)arg;
    pthread_barrier_wait(&ready);
    pthread_mutex_lock(&lock);
    for (;;) pthread_cond_wait(&never, &lock);
    return NULL;
}

__attribute__((noinline)) static int crash(int* p) { return *p; }

int main(int argc, char** argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_barrier_init(&ready, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, idle, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    pthread_barrier_wait(&ready);
    return crash(NULL);
}
