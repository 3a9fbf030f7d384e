package org.smartbff.launch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.common.Hashes;
import org.smartbff.common.RandomTokens;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.launch.LaunchFailure.AuthorizationError;
import org.smartbff.launch.LaunchFailure.BindingMismatch;
import org.smartbff.launch.LaunchFailure.InvalidReturnTo;
import org.smartbff.launch.LaunchFailure.IssuerMismatch;
import org.smartbff.launch.LaunchFailure.LaunchParameterTooLong;
import org.smartbff.launch.LaunchFailure.MissingCode;
import org.smartbff.launch.LaunchFailure.MissingEhrParameters;
import org.smartbff.launch.LaunchFailure.MissingState;
import org.smartbff.launch.LaunchFailure.ServerNoLongerConfigured;
import org.smartbff.launch.LaunchFailure.UnknownIss;
import org.smartbff.launch.LaunchFailure.UnknownServer;
import org.smartbff.launch.LaunchFailure.UnknownState;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;
import org.smartbff.session.PendingLaunch;
import org.smartbff.session.PendingLaunchStore;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.smart.AuthorizeRequest;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.IdTokenVerifier;
import org.smartbff.smart.Pkce;
import org.smartbff.smart.Scopes;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.SmartConfiguration;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.smart.SmartServers.SmartServer;
import org.smartbff.smart.TokenClient;
import org.smartbff.smart.TokenResponse;

import io.smallrye.mutiny.Uni;

/**
 * The SMART App Launch on the server side: starting a launch (state, nonce, PKCE, binding) and completing it at the
 * callback (code exchange, id token verification, a new session). The steps only; {@link LaunchPipeline} counts and
 * audits them and {@link LaunchErrors} words their failures.
 */
@ApplicationScoped
public class LaunchService {

    private static final Logger LOG = Logger.getLogger(LaunchService.class);
    /** Longer than any EHR's launch id; a longer one is refused rather than stored. */
    private static final int MAX_LAUNCH_LENGTH = 4096;

    private final SmartServers servers;
    private final SmartDiscovery discovery;
    private final PendingLaunchStore pendingLaunches;
    private final SessionStore sessions;
    private final TokenClient tokens;
    private final IdTokenVerifier idTokens;
    private final SmartBffConfig config;
    private final Clock clock;
    private final LaunchPipeline pipeline;
    private final BffMetrics metrics;
    private final Audit audit;

    public LaunchService(SmartServers servers, SmartDiscovery discovery, PendingLaunchStore pendingLaunches,
            SessionStore sessions, TokenClient tokens, IdTokenVerifier idTokens, SmartBffConfig config, Clock clock,
            LaunchPipeline pipeline, BffMetrics metrics, Audit audit) {
        this.servers = servers;
        this.discovery = discovery;
        this.pendingLaunches = pendingLaunches;
        this.sessions = sessions;
        this.tokens = tokens;
        this.idTokens = idTokens;
        this.config = config;
        this.clock = clock;
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.audit = audit;
    }

    /** What a launch request asks for, once it is known to be one this BFF may start. */
    private record Plan(LaunchPipeline.Kind kind, SmartServer server, String scope, String launch, String returnTo) {
    }

    public String redirectUri() {
        return SmartServers.normalizeBaseUrl(config.publicUrl()) + "/auth/callback";
    }

    /** Starts a standalone launch at the named server (the default server when null). */
    public Uni<LaunchOutcome<LaunchStarted>> startStandalone(String serverName, String returnTo) {
        SmartServer server = serverName == null || serverName.isEmpty() ? servers.defaultServer()
                : servers.byName(serverName).orElse(null);
        if (server == null) {
            return refusedBeforeStart(new UnknownServer(serverName));
        }
        String target = returnTo == null || returnTo.isEmpty() ? config.appUrl() : ReturnTo.local(returnTo).orElse(null);
        if (target == null) {
            return refusedBeforeStart(new InvalidReturnTo());
        }
        return start(new Plan(LaunchPipeline.Kind.STANDALONE, server, server.scope(), null, target));
    }

    /**
     * Starts an EHR launch: {@code iss} must be the FHIR base of a configured server. An unknown {@code iss} is refused
     * before any request leaves the BFF: it never fetches a URL a browser chose.
     */
    public Uni<LaunchOutcome<LaunchStarted>> startEhr(String iss, String launch) {
        if (iss == null || iss.isBlank() || launch == null || launch.isBlank()) {
            return refusedBeforeStart(new MissingEhrParameters());
        }
        SmartServer server = servers.byIssuer(iss).orElse(null);
        if (server == null) {
            return refusedBeforeStart(new UnknownIss());
        }
        if (launch.length() > MAX_LAUNCH_LENGTH) {
            return refusedBeforeStart(new LaunchParameterTooLong());
        }
        return start(new Plan(LaunchPipeline.Kind.EHR, server, server.ehrScope(), launch, config.appUrl()));
    }

    /** A request that never became a launch: answered, and not counted as one. */
    private static Uni<LaunchOutcome<LaunchStarted>> refusedBeforeStart(LaunchFailure failure) {
        return Uni.createFrom().item(LaunchOutcome.refused(failure));
    }

    /** Both kinds from here on: discover the server, keep the pending launch, send the browser to authorize. */
    private Uni<LaunchOutcome<LaunchStarted>> start(Plan plan) {
        return pipeline.start(plan.kind(), () -> discovery.discover(plan.server())
                .flatMap(smart -> storePending(plan, smart))
                .map(LaunchOutcome::done));
    }

    private Uni<LaunchStarted> storePending(Plan plan, SmartConfiguration smart) {
        SmartServer server = plan.server();
        Pkce pkce = Pkce.generate();
        String state = RandomTokens.random256();
        String nonce = Scopes.parse(plan.scope()).contains("openid") ? RandomTokens.random256() : null;
        String binding = RandomTokens.random256();
        Duration lifetime = config.session().launchTimeout();
        PendingLaunch pending = new PendingLaunch(server.name(), pkce.verifier(), nonce, Hashes.sha256Hex(binding),
                plan.scope(), plan.launch(), plan.returnTo(), clock.instant().getEpochSecond());
        AuthorizeRequest request = new AuthorizeRequest(smart.authorizationEndpoint(), server.clientId(), redirectUri(),
                plan.scope(), state, server.fhirBaseUrl(), pkce.challenge(), nonce, plan.launch());
        return pendingLaunches.put(state, pending, lifetime)
                .replaceWith(() -> new LaunchStarted(request.toUrl(), binding, lifetime));
    }

    /**
     * Completes a launch at the callback. The pending launch is taken first, whatever the outcome, so that a state is
     * never usable twice.
     */
    public Uni<LaunchOutcome<LaunchCompleted>> complete(Callback callback, String bindingCookie) {
        return pipeline.callback(() -> {
            if (callback.state() == null || callback.state().isEmpty()) {
                return Uni.createFrom().item(LaunchOutcome.refused(new MissingState()));
            }
            return pendingLaunches.take(callback.state()).flatMap(pending -> completeTaken(pending, callback, bindingCookie));
        });
    }

    private Uni<LaunchOutcome<LaunchCompleted>> completeTaken(PendingLaunch pending, Callback callback,
            String bindingCookie) {
        LaunchFailure refusal = refusal(pending, callback, bindingCookie);
        if (refusal != null) {
            return Uni.createFrom().item(LaunchOutcome.refused(refusal));
        }
        SmartServer server = servers.byName(pending.server()).orElse(null);
        if (server == null) {
            return Uni.createFrom().item(LaunchOutcome.refused(new ServerNoLongerConfigured()));
        }
        return discovery.discover(server).flatMap(smart -> exchange(server, smart, pending, callback));
    }

    /** Why a callback cannot go on to the code exchange, in the order the checks must run; null when it can. */
    private static LaunchFailure refusal(PendingLaunch pending, Callback callback, String bindingCookie) {
        if (pending == null) {
            return new UnknownState();
        }
        if (bindingCookie == null || !Hashes.constantTimeEquals(Hashes.sha256Hex(bindingCookie), pending.bindingHash())) {
            return new BindingMismatch();
        }
        if (callback.error() != null) {
            return new AuthorizationError(callback.error(), callback.errorDescription());
        }
        if (callback.code() == null || callback.code().isEmpty()) {
            return new MissingCode();
        }
        return null;
    }

    private Uni<LaunchOutcome<LaunchCompleted>> exchange(SmartServer server, SmartConfiguration smart,
            PendingLaunch pending, Callback callback) {
        if (callback.issuer() != null && smart.issuer() != null && !callback.issuer().equals(smart.issuer())) {
            // RFC 9207: a response from another authorization server than the one we sent the browser to (mix-up attack).
            return Uni.createFrom().item(LaunchOutcome.refused(new IssuerMismatch()));
        }
        return tokens.exchangeCode(server, smart, callback.code(), redirectUri(), pending.codeVerifier())
                .flatMap(response -> identity(response, smart, server, pending)
                        .flatMap(identity -> createSession(server, response, pending, identity)))
                .map(LaunchOutcome::done)
                .onFailure(ServerDataException.class)
                .invoke(refused -> serverDataRefused(server, (ServerDataException) refused));
    }

    /** The server is the one at fault: say which, for whoever investigates (never the value itself). */
    private void serverDataRefused(SmartServer server, ServerDataException refused) {
        LOG.warnf("Server %s sent a token response or id token that is refused: %s", server.name(), refused.getMessage());
        metrics.serverDataRefused("login", refused.member());
        audit.record(Audit.event("server_data_refused").with("stage", "login").with("server", server.name())
                .with("member", refused.member()));
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

    private Uni<LaunchCompleted> createSession(SmartServer server, TokenResponse response, PendingLaunch pending,
            IdTokenClaims identity) {
        Instant now = clock.instant();
        SessionRecord record = SessionRecord.fromLogin(server.name(), response, pending.scope(), identity, now,
                config.session().absoluteTimeout());
        SessionId id = SessionId.generate();
        return sessions.create(id, record).invoke(() -> LOG.infof("Session %s started at server %s (user %s)",
                id.logId(), server.name(), identity != null ? identity.fhirUser() : "unknown"))
                .replaceWith(new LaunchCompleted(id, record, pending.returnTo()));
    }

    /** The query parameters of a callback (RFC 6749 section 4.1.2, RFC 9207 {@code iss}). */
    public record Callback(String code, String state, String error, String errorDescription, String issuer) {
        @Override
        public String toString() {
            return "Callback[code=" + (code != null ? "present" : "absent") + ", error=" + error + "]";
        }
    }
}
