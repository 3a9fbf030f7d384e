package org.smartbff.launch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.common.Hashes;
import org.smartbff.common.RandomTokens;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.PendingLaunch;
import org.smartbff.session.PendingLaunchStore;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.session.StoreUnavailableException;
import org.smartbff.smart.AuthorizeRequest;
import org.smartbff.smart.DiscoveryException;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.IdTokenException;
import org.smartbff.smart.IdTokenVerifier;
import org.smartbff.smart.Pkce;
import org.smartbff.smart.Scopes;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.ServerTimeoutException;
import org.smartbff.smart.SmartConfiguration;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.smart.SmartServers.SmartServer;
import org.smartbff.smart.TokenClient;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenResponse;

import io.smallrye.mutiny.Uni;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;
import org.smartbff.observe.JsonNodeText;

/**
 * The SMART App Launch on the server side: starting a launch (state, nonce, PKCE, binding) and completing it at the
 * callback (code exchange, id token verification, a new session).
 */
@ApplicationScoped
public class LaunchService {

    private static final Logger LOG = Logger.getLogger(LaunchService.class);

    private final SmartServers servers;
    private final SmartDiscovery discovery;
    private final PendingLaunchStore pendingLaunches;
    private final SessionStore sessions;
    private final TokenClient tokens;
    private final IdTokenVerifier idTokens;
    private final SmartBffConfig config;
    private final Clock clock;
    private final BffMetrics metrics;
    private final Audit audit;

    public LaunchService(SmartServers servers, SmartDiscovery discovery, PendingLaunchStore pendingLaunches,
            SessionStore sessions, TokenClient tokens, IdTokenVerifier idTokens, SmartBffConfig config, Clock clock,
            BffMetrics metrics, Audit audit) {
        this.metrics = metrics;
        this.audit = audit;
        this.servers = servers;
        this.discovery = discovery;
        this.pendingLaunches = pendingLaunches;
        this.sessions = sessions;
        this.tokens = tokens;
        this.idTokens = idTokens;
        this.config = config;
        this.clock = clock;
    }

    /** Where to send the browser, and the binding cookie value to give it. */
    public record Started(String authorizeUrl, String binding, Duration bindingLifetime) {
        @Override
        public String toString() {
            return "Started[binding=present]";
        }
    }

    /** A completed login: the new session's id (for the cookie only) and where the browser goes next. */
    public record Completed(SessionId sessionId, SessionRecord session, String returnTo) {
    }

    public String redirectUri() {
        return SmartServers.normalizeBaseUrl(config.publicUrl()) + "/auth/callback";
    }

    /** Starts a standalone launch at the named server (the default server when null). */
    public Uni<Started> startStandalone(String serverName, String returnTo) {
        SmartServer server = serverName == null || serverName.isEmpty() ? servers.defaultServer()
                : servers.byName(serverName).orElseThrow(() -> new LaunchException(400, "unknown_server",
                        "There is no SMART server named '" + printable(serverName) + "' configured here."));
        String target = returnTo == null || returnTo.isEmpty() ? config.appUrl()
                : ReturnTo.local(returnTo).orElseThrow(() -> new LaunchException(400, "invalid_return_to",
                        "return_to must be a path on this site."));
        return discovery.discover(server)
                .flatMap(smart -> start(server, smart, server.scope(), null, target))
                .onFailure().transform(LaunchService::toLaunchException)
                .invoke(() -> metrics.launch("standalone", "redirected"))
                .onFailure().invoke(failure -> metrics.launch("standalone", errorCode(failure)));
    }

    /**
     * Starts an EHR launch: {@code iss} must be the FHIR base of a configured server. An unknown {@code iss} is refused
     * before any request leaves the BFF: it never fetches a URL a browser chose.
     */
    public Uni<Started> startEhr(String iss, String launch) {
        if (iss == null || iss.isBlank() || launch == null || launch.isBlank()) {
            return Uni.createFrom().failure(new LaunchException(400, "invalid_request",
                    "An EHR launch needs both iss and launch."));
        }
        SmartServer server = servers.byIssuer(iss).orElse(null);
        if (server == null) {
            return Uni.createFrom().failure(new LaunchException(400, "unknown_iss",
                    "This application is not set up for the FHIR server that launched it."));
        }
        if (launch.length() > 4096) {
            return Uni.createFrom().failure(new LaunchException(400, "invalid_request", "The launch parameter is too long."));
        }
        return discovery.discover(server)
                .flatMap(smart -> start(server, smart, server.ehrScope(), launch, config.appUrl()))
                .onFailure().transform(LaunchService::toLaunchException)
                .invoke(() -> metrics.launch("ehr", "redirected"))
                .onFailure().invoke(failure -> metrics.launch("ehr", errorCode(failure)));
    }

    private static String errorCode(Throwable failure) {
        return failure instanceof LaunchException launch ? launch.error() : "server_error";
    }

    private Uni<Started> start(SmartServer server, SmartConfiguration smart, String scope, String launch, String returnTo) {
        Pkce pkce = Pkce.generate();
        String state = RandomTokens.random256();
        String nonce = Scopes.parse(scope).contains("openid") ? RandomTokens.random256() : null;
        String binding = RandomTokens.random256();
        Duration lifetime = config.session().launchTimeout();
        PendingLaunch pending = new PendingLaunch(server.name(), pkce.verifier(), nonce, Hashes.sha256Hex(binding),
                scope, launch, returnTo, clock.instant().getEpochSecond());
        AuthorizeRequest request = new AuthorizeRequest(smart.authorizationEndpoint(), server.clientId(), redirectUri(),
                scope, state, server.fhirBaseUrl(), pkce.challenge(), nonce, launch);
        return pendingLaunches.put(state, pending, lifetime)
                .replaceWith(() -> new Started(request.toUrl(), binding, lifetime));
    }

    /**
     * Completes a launch at the callback. The pending launch is taken first, whatever the outcome, so that a state is
     * never usable twice.
     */
    public Uni<Completed> complete(Callback callback, String bindingCookie) {
        return completeLaunch(callback, bindingCookie)
                .invoke(completed -> {
                    metrics.callback("session");
                    JsonNodeText patient = JsonNodeText.of(completed.session().context(), "patient");
                    audit.record(Audit.event("login")
                            .with("session", completed.sessionId().logId())
                            .with("server", completed.session().server())
                            .with("fhir_user", completed.session().identity() != null
                                    ? completed.session().identity().fhirUser() : null)
                            .with("patient", patient.value())
                            .with("scope", completed.session().scope()));
                })
                .onFailure().invoke(failure -> {
                    String code = errorCode(failure);
                    metrics.callback(code);
                    audit.record(Audit.event("login_failed").with("error", code));
                });
    }

    private Uni<Completed> completeLaunch(Callback callback, String bindingCookie) {
        if (callback.state() == null || callback.state().isEmpty()) {
            return Uni.createFrom().failure(new LaunchException(400, "invalid_request",
                    "The sign-in response carries no state. Please start again."));
        }
        return pendingLaunches.take(callback.state())
                .onFailure().transform(LaunchService::toLaunchException)
                .flatMap(pending -> {
            if (pending == null) {
                return Uni.createFrom().failure(new LaunchException(400, "invalid_state",
                        "This sign-in has already been completed or has expired. Please start again."));
            }
            if (bindingCookie == null || !Hashes.constantTimeEquals(Hashes.sha256Hex(bindingCookie), pending.bindingHash())) {
                return Uni.createFrom().failure(new LaunchException(400, "launch_binding_mismatch",
                        "This sign-in was started in another browser or its cookie is missing. Please start again here."));
            }
            if (callback.error() != null) {
                return Uni.createFrom().failure(authorizationError(callback));
            }
            if (callback.code() == null || callback.code().isEmpty()) {
                return Uni.createFrom().failure(new LaunchException(400, "invalid_request",
                        "The sign-in response carries no authorization code."));
            }
            SmartServer server = servers.byName(pending.server()).orElse(null);
            if (server == null) {
                return Uni.createFrom().failure(new LaunchException(400, "unknown_server",
                        "The server this sign-in started at is no longer configured."));
            }
            return discovery.discover(server)
                    .flatMap(smart -> exchange(server, smart, pending, callback))
                    .onFailure().transform(LaunchService::toLaunchException);
        });
    }

    private Uni<Completed> exchange(SmartServer server, SmartConfiguration smart, PendingLaunch pending, Callback callback) {
        if (callback.issuer() != null && smart.issuer() != null && !callback.issuer().equals(smart.issuer())) {
            // RFC 9207: a response from another authorization server than the one we sent the browser to (mix-up attack).
            return Uni.createFrom().failure(new LaunchException(400, "issuer_mismatch",
                    "The sign-in response came from an unexpected authorization server."));
        }
        return tokens.exchangeCode(server, smart, callback.code(), redirectUri(), pending.codeVerifier())
                .flatMap(response -> identity(response, smart, server, pending)
                        .flatMap(identity -> createSession(server, response, pending, identity)))
                .onFailure(ServerDataException.class).invoke(refused -> {
                    // The server is the one at fault: say which, for whoever investigates (never the value itself).
                    String member = ((ServerDataException) refused).member();
                    LOG.warnf("Server %s sent a token response or id token that is refused: %s", server.name(),
                            refused.getMessage());
                    metrics.serverDataRefused("login", member);
                    audit.record(Audit.event("server_data_refused").with("stage", "login").with("server", server.name())
                            .with("member", member));
                });
    }

    private Uni<IdTokenClaims> identity(TokenResponse response, SmartConfiguration smart, SmartServer server,
            PendingLaunch pending) {
        if (response.idToken() == null) {
            // Some servers issue no id token unless fhirUser or profile is granted too: a session without identity.
            LOG.debugf("Server %s issued no id token; the session has no fhirUser", server.name());
            return Uni.createFrom().nullItem();
        }
        return idTokens.verifyAtLogin(response.idToken(), smart, server.clientId(), pending.nonce());
    }

    private Uni<Completed> createSession(SmartServer server, TokenResponse response, PendingLaunch pending,
            IdTokenClaims identity) {
        Instant now = clock.instant();
        SessionRecord record = SessionRecord.fromLogin(server.name(), response, pending.scope(), identity, now,
                config.session().absoluteTimeout());
        SessionId id = SessionId.generate();
        return sessions.create(id, record).invoke(() -> LOG.infof("Session %s started at server %s (user %s)",
                id.logId(), server.name(), identity != null ? identity.fhirUser() : "unknown"))
                .replaceWith(new Completed(id, record, pending.returnTo()));
    }

    private static LaunchException authorizationError(Callback callback) {
        String error = printable(callback.error());
        String description = callback.errorDescription() != null ? printable(callback.errorDescription()) : null;
        String text = switch (error) {
            case "access_denied" -> "Access was not granted. You can start again whenever you are ready.";
            case "invalid_scope" -> "The server refused the requested scopes. Ask the administrator to check the scope configuration.";
            default -> "The authorization server could not complete the sign-in (" + error + ").";
        };
        return new LaunchException(error.equals("access_denied") ? 403 : 400, error,
                description != null ? text + " It said: " + description : text);
    }

    private static Throwable toLaunchException(Throwable failure) {
        if (failure instanceof LaunchException) {
            return failure;
        }
        if (failure instanceof TokenEndpointException token) {
            return token.kind() == TokenEndpointException.Kind.REJECTED
                    ? new LaunchException(400, token.error(), "The authorization server refused the sign-in ("
                            + token.error() + "). Please start again.")
                    : new LaunchException(502, "token_endpoint_unavailable",
                            "The authorization server did not complete the sign-in. Please try again.");
        }
        if (failure instanceof ServerTimeoutException timeout) {
            return new LaunchException(504, "server_timeout", "The SMART server did not answer in time ("
                    + timeout.call() + "). Please try again in a moment.");
        }
        if (failure instanceof ServerDataException refused) {
            return new LaunchException(502, "invalid_server_response", "The SMART server sent a " + refused.member()
                    + " that this application does not accept, so no session was made. Please tell the administrator"
                    + " of the SMART server.");
        }
        if (failure instanceof IdTokenException idToken) {
            return new LaunchException(400, "invalid_id_token", capitalize(idToken.getMessage()) + ".");
        }
        if (failure instanceof StoreUnavailableException) {
            return new LaunchException(503, "temporarily_unavailable",
                    "Sign-in is unavailable for a moment. Please try again shortly.");
        }
        if (failure instanceof DiscoveryException discovery) {
            return new LaunchException(502, "discovery_failed", capitalize(discovery.getMessage()) + ".");
        }
        LOG.error("Unexpected failure completing a launch", failure);
        return new LaunchException(500, "server_error", "The sign-in could not be completed.");
    }

    /** Text from a request, cut to printable ASCII and a sane length before it goes in a page or a log. */
    static String printable(String value) {
        String printable = value.replaceAll("[^\\x20-\\x7E]", "");
        return printable.length() > 200 ? printable.substring(0, 200) : printable;
    }

    private static String capitalize(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /** The query parameters of a callback (RFC 6749 section 4.1.2, RFC 9207 {@code iss}). */
    public record Callback(String code, String state, String error, String errorDescription, String issuer) {
        @Override
        public String toString() {
            return "Callback[code=" + (code != null ? "present" : "absent") + ", error=" + error + "]";
        }
    }
}
