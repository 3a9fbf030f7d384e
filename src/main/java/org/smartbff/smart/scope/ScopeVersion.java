package org.smartbff.smart.scope;

/**
 * Which syntax a resource scope was written in. Both mean the same to an access check once parsed; the version is kept
 * so that logs and diagnostics can show what the server actually granted.
 */
public enum ScopeVersion {
    /** SMART App Launch 1.0: {@code .read}, {@code .write} or {@code .*}. */
    V1,
    /** SMART App Launch 2.x: an in-order subset of {@code cruds}, optionally with {@code ?param=value} constraints. */
    V2
}
