/**
 * View selection, image sources, the analysis pipeline, FHIR result factories, MRI advice rules and
 * cards. The pipeline and the hook services land here (issues 5 and 6).
 */
package org.lumbarcds.cds;
