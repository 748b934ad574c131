#ifndef ENGEL_ALLOCATOR_H
#define ENGEL_ALLOCATOR_H

/// Sets how much freed memory each of glibc's arenas keeps at its top before returning it to the
/// system (mallopt's M_TRIM_THRESHOLD); returns 1 when set, 0 when refused or not glibc.
int engel_keep_freed_memory(int bytes);

#endif
