package org.lumbarcds.server.storage;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.lumbarcds.server.web.ApiException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /ops/api/backups}: writes a backup ({@link Backups}) to {@code
 * lumbarcds.backup.folder} and answers with what it holds (201), or a problem+json: 409 while
 * another backup is being written, 507 when the disk is full, 500 for another failure (nothing of
 * the backup is kept). Like the rest of {@code /ops}, no authentication of its own: loopback only
 * unless an operator opts into exposure.
 */
@RestController
class BackupController {

  private final Backups backups;

  BackupController(Backups backups) {
    this.backups = backups;
  }

  @PostMapping(path = "/ops/api/backups", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Backups.Backup> create() {
    try {
      return ResponseEntity.status(HttpStatus.CREATED).body(backups.create());
    } catch (Backups.BusyException e) {
      throw new ApiException(HttpStatus.CONFLICT, e.getMessage());
    } catch (Backups.BackupException e) {
      throw new ApiException(
          e.getMessage().contains("no space left")
              ? HttpStatus.INSUFFICIENT_STORAGE
              : HttpStatus.INTERNAL_SERVER_ERROR,
          e.getMessage());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class BackupConfig {
    @Bean
    Backups backups(
        DataSource dataSource,
        @Value("${lumbarcds.data-dir}") Path dataDir,
        @Value("${lumbarcds.backup.folder}") Path folder) {
      return new Backups(dataSource, dataDir, folder);
    }
  }
}
