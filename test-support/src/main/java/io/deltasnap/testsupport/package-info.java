/**
 * The properties every fuzz target of a parser of untrusted bytes asserts, shared by the modules'
 * tests (never a runtime dependency).
 *
 * <p>{@link io.deltasnap.testsupport.UntrustedInput#parse} runs one parse and turns into an
 * {@link java.lang.AssertionError} (a finding, for the fuzzer) anything but the format's own
 * refusal: another exception escaping, or more heap allocated than the parser's stated bound (a
 * declared length of 2 GiB must be checked against its bound before anything is allocated).
 */
package io.deltasnap.testsupport;
