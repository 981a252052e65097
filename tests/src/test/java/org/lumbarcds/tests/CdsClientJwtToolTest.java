package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lumbarcds.server.cdshooks.ClientJwtVerifier;

/**
 * {@code tests/tools/CdsClientJwt.java}, the docs' way to play a CDS client by hand: its keys and
 * tokens pass the server's own client JWT check, with exactly the claims the specification requires
 * and no {@code sub}, and a token is good for the URL it names only, once.
 */
class CdsClientJwtToolTest {

  private static final String ISSUER = "https://harness.example.org";
  private static final String SERVICE = "http://127.0.0.1:8080/cds-services/lss-mri-order-sign";

  @TempDir Path dir;

  private static String run(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("tools/CdsClientJwt.java"); // the tests module's folder is the working directory
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out.strip();
  }

  @Test
  void itsTokensPassTheServersClientCheckWithoutSub() throws Exception {
    run("keys", dir.toString());
    String jwks = Files.readString(dir.resolve("jwks.json"));
    assertThat(CdsClient.JSON.readTree(jwks).at("/keys/0/d").isMissingNode())
        .as("no private part in the JWKS")
        .isTrue();
    ClientJwtVerifier verifier =
        new ClientJwtVerifier(
            List.of(
                new ClientJwtVerifier.TrustedIssuer(ISSUER, Optional.empty(), Optional.of(jwks))),
            Clock.systemUTC());

    String token = run("sign", dir.toString(), ISSUER, SERVICE);
    JsonNode claims = CdsClient.JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    List<String> names = new ArrayList<>();
    claims.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactlyInAnyOrder("iss", "aud", "exp", "iat", "jti");
    ClientJwtVerifier.Caller caller = verifier.verify("Bearer " + token, SERVICE);
    assertThat(caller.issuer()).isEqualTo(ISSUER);
    assertThat(caller.subject()).isEmpty();
    // once only, and for the URL it names only
    assertThatThrownBy(() -> verifier.verify("Bearer " + token, SERVICE))
        .hasMessageContaining("replayed");
    String other = run("sign", dir.toString(), ISSUER, SERVICE);
    assertThatThrownBy(() -> verifier.verify("Bearer " + other, SERVICE + "-other"))
        .hasMessageContaining("aud");

    String withSub = run("sign", dir.toString(), ISSUER, SERVICE, "--sub", "harness");
    assertThat(verifier.verify("Bearer " + withSub, SERVICE).subject()).contains("harness");
  }
}
