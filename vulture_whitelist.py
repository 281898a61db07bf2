"""Names vulture would call unused that something other than Python code uses.

`make lint` runs vulture (configured in pyproject.toml: framework names such as Meta, urlpatterns,
Command or DRF's actions are ignored there by pattern). What is left here is used:
- DICOM attributes set on pydicom datasets (pydicom writes them) and pynetdicom's settings;
- model fields, choices and properties read by templates, serializers or the ORM by name;
- Django and DRF hooks (File.multiple_chunks, content negotiation, serializer fields);
- functions kept for the tests as reference implementations (ai_consent_given, pixel_frame) or
  as documented public API of inference/ (predict_studies, ModelCard.to_dict, Actor.for_user);
- the public API of the statistics maths (screening/statistics/maths, docs/statistics.md), which
  the statistics app's KPIs, dashboards and API build on; tested in tests/statistics/maths.
Regenerate with `.venv/bin/vulture --make-whitelist` after removing what is really dead, and keep
this header; a new entry should be something a framework or a template uses, never dead code.
"""

# ruff: noqa
_.benchmark  # unused attribute (inference/predictor.py)
_.predict_studies  # unused method (inference/predictor.py)
intended_use  # unused variable (inference/registry.py)
training_data  # unused variable (inference/registry.py)
_.to_dict  # unused method (inference/registry.py)
OUTCOMES  # unused variable (inference/synthetic/cohort.py)
NODULE_KINDS  # unused variable (inference/synthetic/ct_phantom.py)
_.CodeMeaning  # unused attribute (inference/synthetic/dicom_writer.py)
_.CodeValue  # unused attribute (inference/synthetic/dicom_writer.py)
_.CodingSchemeDesignator  # unused attribute (inference/synthetic/dicom_writer.py)
_.SpecificCharacterSet  # unused attribute (inference/synthetic/dicom_writer.py)
_.PatientName  # unused attribute (inference/synthetic/dicom_writer.py)
_.IssuerOfPatientID  # unused attribute (inference/synthetic/dicom_writer.py)
_.PatientID  # unused attribute (inference/synthetic/dicom_writer.py)
_.PatientBirthDate  # unused attribute (inference/synthetic/dicom_writer.py)
_.PatientSex  # unused attribute (inference/synthetic/dicom_writer.py)
_.StudyID  # unused attribute (inference/synthetic/dicom_writer.py)
_.StudyInstanceUID  # unused attribute (inference/synthetic/dicom_writer.py)
_.ContentDate  # unused attribute (inference/synthetic/dicom_writer.py)
_.SeriesDate  # unused attribute (inference/synthetic/dicom_writer.py)
_.StudyDate  # unused attribute (inference/synthetic/dicom_writer.py)
_.ContentTime  # unused attribute (inference/synthetic/dicom_writer.py)
_.SeriesTime  # unused attribute (inference/synthetic/dicom_writer.py)
_.StudyTime  # unused attribute (inference/synthetic/dicom_writer.py)
_.AccessionNumber  # unused attribute (inference/synthetic/dicom_writer.py)
_.StudyDescription  # unused attribute (inference/synthetic/dicom_writer.py)
_.ReferringPhysicianName  # unused attribute (inference/synthetic/dicom_writer.py)
_.Modality  # unused attribute (inference/synthetic/dicom_writer.py)
_.Manufacturer  # unused attribute (inference/synthetic/dicom_writer.py)
_.ManufacturerModelName  # unused attribute (inference/synthetic/dicom_writer.py)
_.InstitutionName  # unused attribute (inference/synthetic/dicom_writer.py)
_.SoftwareVersions  # unused attribute (inference/synthetic/dicom_writer.py)
_.DeviceSerialNumber  # unused attribute (inference/synthetic/dicom_writer.py)
_.PhotometricInterpretation  # unused attribute (inference/synthetic/dicom_writer.py)
_.SamplesPerPixel  # unused attribute (inference/synthetic/dicom_writer.py)
_.Columns  # unused attribute (inference/synthetic/dicom_writer.py)
_.Rows  # unused attribute (inference/synthetic/dicom_writer.py)
_.BitsAllocated  # unused attribute (inference/synthetic/dicom_writer.py)
_.BitsStored  # unused attribute (inference/synthetic/dicom_writer.py)
_.HighBit  # unused attribute (inference/synthetic/dicom_writer.py)
_.PixelRepresentation  # unused attribute (inference/synthetic/dicom_writer.py)
_.PixelData  # unused attribute (inference/synthetic/dicom_writer.py)
_.InstanceNumber  # unused attribute (inference/synthetic/dicom_writer.py)
_.SeriesInstanceUID  # unused attribute (inference/synthetic/dicom_writer.py)
_.SeriesNumber  # unused attribute (inference/synthetic/dicom_writer.py)
_.SeriesDescription  # unused attribute (inference/synthetic/dicom_writer.py)
_.ImageType  # unused attribute (inference/synthetic/dicom_writer.py)
_.BurnedInAnnotation  # unused attribute (inference/synthetic/dicom_writer.py)
_.LossyImageCompression  # unused attribute (inference/synthetic/dicom_writer.py)
_.PresentationIntentType  # unused attribute (inference/synthetic/dicom_writer.py)
_.BodyPartExamined  # unused attribute (inference/synthetic/dicom_writer.py)
_.OrganExposed  # unused attribute (inference/synthetic/dicom_writer.py)
_.ImageLaterality  # unused attribute (inference/synthetic/dicom_writer.py)
_.ViewPosition  # unused attribute (inference/synthetic/dicom_writer.py)
_.PatientOrientation  # unused attribute (inference/synthetic/dicom_writer.py)
_.AnatomicRegionSequence  # unused attribute (inference/synthetic/dicom_writer.py)
_.ViewModifierCodeSequence  # unused attribute (inference/synthetic/dicom_writer.py)
_.BreastImplantPresent  # unused attribute (inference/synthetic/dicom_writer.py)
_.PartialView  # unused attribute (inference/synthetic/dicom_writer.py)
_.PositionerType  # unused attribute (inference/synthetic/dicom_writer.py)
_.DetectorType  # unused attribute (inference/synthetic/dicom_writer.py)
_.PixelIntensityRelationship  # unused attribute (inference/synthetic/dicom_writer.py)
_.PixelIntensityRelationshipSign  # unused attribute (inference/synthetic/dicom_writer.py)
_.RescaleIntercept  # unused attribute (inference/synthetic/dicom_writer.py)
_.RescaleSlope  # unused attribute (inference/synthetic/dicom_writer.py)
_.RescaleType  # unused attribute (inference/synthetic/dicom_writer.py)
_.PresentationLUTShape  # unused attribute (inference/synthetic/dicom_writer.py)
_.ImagerPixelSpacing  # unused attribute (inference/synthetic/dicom_writer.py)
_.PixelSpacing  # unused attribute (inference/synthetic/dicom_writer.py)
_.AnodeTargetMaterial  # unused attribute (inference/synthetic/dicom_writer.py)
_.ExposureInuAs  # unused attribute (inference/synthetic/dicom_writer.py)
_.FilterMaterial  # unused attribute (inference/synthetic/dicom_writer.py)
_.KVP  # unused attribute (inference/synthetic/dicom_writer.py)
_.BodyPartThickness  # unused attribute (inference/synthetic/dicom_writer.py)
_.CompressionForce  # unused attribute (inference/synthetic/dicom_writer.py)
_.WindowCenter  # unused attribute (inference/synthetic/dicom_writer.py)
_.WindowWidth  # unused attribute (inference/synthetic/dicom_writer.py)
_.VOILUTFunction  # unused attribute (inference/synthetic/dicom_writer.py)
_.FrameOfReferenceUID  # unused attribute (inference/synthetic/dicom_writer.py)
_.PositionReferenceIndicator  # unused attribute (inference/synthetic/dicom_writer.py)
_.AcquisitionNumber  # unused attribute (inference/synthetic/dicom_writer.py)
_.PatientPosition  # unused attribute (inference/synthetic/dicom_writer.py)
_.ImageOrientationPatient  # unused attribute (inference/synthetic/dicom_writer.py)
_.ImagePositionPatient  # unused attribute (inference/synthetic/dicom_writer.py)
_.SliceLocation  # unused attribute (inference/synthetic/dicom_writer.py)
_.SliceThickness  # unused attribute (inference/synthetic/dicom_writer.py)
_.SpacingBetweenSlices  # unused attribute (inference/synthetic/dicom_writer.py)
_.ConvolutionKernel  # unused attribute (inference/synthetic/dicom_writer.py)
_.CTDIvol  # unused attribute (inference/synthetic/dicom_writer.py)
_.XRayTubeCurrent  # unused attribute (inference/synthetic/dicom_writer.py)
_.WindowCenterWidthExplanation  # unused attribute (inference/synthetic/dicom_writer.py)
_.MediaStorageSOPClassUID  # unused attribute (inference/synthetic/dicom_writer.py)
_.MediaStorageSOPInstanceUID  # unused attribute (inference/synthetic/dicom_writer.py)
_.ImplementationClassUID  # unused attribute (inference/synthetic/dicom_writer.py)
_.TransferSyntaxUID  # unused attribute (inference/synthetic/dicom_writer.py)
LESION_KINDS  # unused variable (inference/synthetic/mammography_phantom.py)
accession  # unused variable (inference/training/training_data.py)
status_label  # unused variable (screening/campaigns/api/serializers.py)
funnel  # unused variable (screening/campaigns/api/serializers.py)
_.status_changed_at  # unused attribute (screening/campaigns/episode_services.py)
_.invited_at  # unused attribute (screening/campaigns/episode_services.py)
invite_all  # unused variable (screening/campaigns/forms.py)
_.valid_value  # unused attribute (screening/campaigns/forms.py)
created_by  # unused variable (screening/campaigns/models.py)
status_changed_at  # unused variable (screening/campaigns/models.py)
invited_at  # unused variable (screening/campaigns/models.py)
programmes_seed  # unused function (screening/campaigns/programme_definitions.py)
view_args  # unused variable (screening/core/access.py)
view_kwargs  # unused variable (screening/core/access.py)
_.has_permission  # unused method (screening/core/access.py)
_.for_user  # unused method (screening/core/actors.py)
navigation  # unused function (screening/core/context_processors.py)
updated_at  # unused variable (screening/core/models.py)
EXPORT  # unused variable (screening/core/models.py)
CANCER_CONFIRMED  # unused variable (screening/demo/models.py)
BENIGN  # unused variable (screening/demo/models.py)
INTERVAL_CANCER  # unused variable (screening/demo/models.py)
_.network_timeout  # unused attribute (screening/imaging/dicom_listener.py)
_.acse_timeout  # unused attribute (screening/imaging/dicom_listener.py)
_.dimse_timeout  # unused attribute (screening/imaging/dicom_listener.py)
_.maximum_pdu_size  # unused attribute (screening/imaging/dicom_listener.py)
_.require_calling_aet  # unused attribute (screening/imaging/dicom_listener.py)
_.ErrorComment  # unused attribute (screening/imaging/dicom_listener.py)
_.multiple_chunks  # unused method (screening/imaging/dicom_storage.py)
_.ModalitiesInStudy  # unused attribute (screening/imaging/dicomweb/qido.py)
_.NumberOfStudyRelatedSeries  # unused attribute (screening/imaging/dicomweb/qido.py)
_.NumberOfStudyRelatedInstances  # unused attribute (screening/imaging/dicomweb/qido.py)
_.SeriesInstanceUID  # unused attribute (screening/imaging/dicomweb/qido.py)
_.Modality  # unused attribute (screening/imaging/dicomweb/qido.py)
_.SeriesNumber  # unused attribute (screening/imaging/dicomweb/qido.py)
_.SeriesDescription  # unused attribute (screening/imaging/dicomweb/qido.py)
_.BodyPartExamined  # unused attribute (screening/imaging/dicomweb/qido.py)
_.NumberOfSeriesRelatedInstances  # unused attribute (screening/imaging/dicomweb/qido.py)
_.InstanceNumber  # unused attribute (screening/imaging/dicomweb/qido.py)
_.Rows  # unused attribute (screening/imaging/dicomweb/qido.py)
_.Columns  # unused attribute (screening/imaging/dicomweb/qido.py)
_.NumberOfFrames  # unused attribute (screening/imaging/dicomweb/qido.py)
_.AvailableTransferSyntaxUID  # unused attribute (screening/imaging/dicomweb/qido.py)
_.StudyInstanceUID  # unused attribute (screening/imaging/dicomweb/qido.py)
_.StudyDate  # unused attribute (screening/imaging/dicomweb/qido.py)
_.StudyTime  # unused attribute (screening/imaging/dicomweb/qido.py)
_.AccessionNumber  # unused attribute (screening/imaging/dicomweb/qido.py)
_.StudyDescription  # unused attribute (screening/imaging/dicomweb/qido.py)
_.PatientID  # unused attribute (screening/imaging/dicomweb/qido.py)
_.IssuerOfPatientID  # unused attribute (screening/imaging/dicomweb/qido.py)
_.PatientName  # unused attribute (screening/imaging/dicomweb/qido.py)
_.PatientBirthDate  # unused attribute (screening/imaging/dicomweb/qido.py)
_.PatientSex  # unused attribute (screening/imaging/dicomweb/qido.py)
_.RetrieveURL  # unused attribute (screening/imaging/dicomweb/stow.py)
_.ReferencedSOPSequence  # unused attribute (screening/imaging/dicomweb/stow.py)
_.FailedSOPSequence  # unused attribute (screening/imaging/dicomweb/stow.py)
_.ReferencedSOPClassUID  # unused attribute (screening/imaging/dicomweb/stow.py)
_.ReferencedSOPInstanceUID  # unused attribute (screening/imaging/dicomweb/stow.py)
_.FailureReason  # unused attribute (screening/imaging/dicomweb/stow.py)
parsers  # unused variable (screening/imaging/dicomweb/views.py)
format_suffix  # unused variable (screening/imaging/dicomweb/views.py)
authentication_classes  # unused variable (screening/imaging/dicomweb/views.py)
content_negotiation_class  # unused variable (screening/imaging/dicomweb/views.py)
first_source  # unused variable (screening/imaging/models.py)
quarantine_file  # unused variable (screening/imaging/models.py)
q  # unused variable (screening/imaging/reconciliation_forms.py)
pixel_frame  # unused function (screening/imaging/rendering.py)
awaiting_count  # unused variable (screening/imaging/study_selectors.py)
overlay_url  # unused variable (screening/inference_jobs/api/serializers.py)
_.started_at  # unused attribute (screening/inference_jobs/job_services.py)
started_at  # unused variable (screening/inference_jobs/models.py)
high_threshold  # unused variable (screening/inference_jobs/models.py)
low_threshold  # unused variable (screening/inference_jobs/models.py)
_.latest_job  # unused property (screening/inference_jobs/result_selectors.py)
ai_consent_given  # unused function (screening/inference_jobs/study_readiness.py)
q  # unused variable (screening/patients/api/serializers.py)
WITHDRAW  # unused variable (screening/patients/api/serializers.py)
recorded_by  # unused variable (screening/patients/api/serializers.py)
scope_label  # unused variable (screening/patients/api/serializers.py)
_.partial_update  # unused method (screening/patients/api/views.py)
_.scope_label  # unused property (screening/patients/consent_services.py)
q  # unused variable (screening/patients/forms.py)
OTHER  # unused variable (screening/patients/models.py)
opted_out_reason  # unused variable (screening/patients/models.py)
deceased_on  # unused variable (screening/patients/models.py)
_.is_opted_out  # unused property (screening/patients/models.py)
ELECTRONIC  # unused variable (screening/patients/models.py)
recorded_by  # unused variable (screening/patients/models.py)
uploaded_by  # unused variable (screening/patients/models.py)
imported_at  # unused variable (screening/patients/models.py)
cells  # unused variable (screening/patients/patient_import_services.py)
_.imported_at  # unused attribute (screening/patients/patient_import_services.py)
_.opted_out_reason  # unused attribute (screening/patients/patient_services.py)
patient_identifier  # unused variable (screening/reading/api/serializers.py)
claimed_by  # unused variable (screening/reading/api/serializers.py)
intermediate  # unused variable (screening/reading/api/serializers.py)
extra_kwargs  # unused variable (screening/reading/api/serializers.py)
visible_opinions  # unused variable (screening/reading/api/serializers.py)
waiting_days  # unused variable (screening/reading/forms.py)
_.category_fields  # unused method (screening/reading/forms.py)
NOT_APPLICABLE  # unused variable (screening/reading/models.py)
claimed_by  # unused variable (screening/reading/models.py)
signed_by  # unused variable (screening/reading/models.py)
signed_at  # unused variable (screening/reading/models.py)
ai_band  # unused variable (screening/reading/models.py)
decided_at  # unused variable (screening/reading/models.py)
imaging_to_result  # unused variable (screening/reading/models.py)
result_label  # unused variable (screening/reading/page_selectors.py)
report_episode_id  # unused variable (screening/reading/page_selectors.py)
role_label  # unused variable (screening/reading/page_selectors.py)
mammogram_rows  # unused variable (screening/reading/page_selectors.py)
_.mammogram_rows  # unused attribute (screening/reading/page_selectors.py)
_.status_changed_at  # unused attribute (screening/reading/read_decisions.py)
own_slot  # unused variable (screening/reading/read_selectors.py)
visible_opinions  # unused variable (screening/reading/read_selectors.py)
_.reader_agreement_rate  # unused property (screening/reading/read_selectors.py)
_.ai_agreement_rate  # unused property (screening/reading/read_selectors.py)
_.signed_at  # unused attribute (screening/reading/signoff_services.py)
_.signed_by  # unused attribute (screening/reading/signoff_services.py)
_.claimed_by  # unused attribute (screening/reading/signoff_services.py)
_.claimed_by  # unused attribute (screening/reading/slot_services.py)
_.updated_at  # unused attribute (screening/reading/triage_keys.py)
truncate_lock  # unused function (screening/core/table_locks.py): called by migrations, which vulture skips
truncate_unlock  # unused function (screening/core/table_locks.py): called by migrations
kpi_facts_fill_in_migration  # unused function (screening/statistics/kpi_facts_services.py): called by migrations
BREAST_STANDARDS  # unused variable (screening/statistics/maths/standard_values.py): the statistics maths' public API
already_breached  # unused variable (screening/statistics/maths/breach_forecast.py): the statistics maths' public API
breach_forecast  # unused function (screening/statistics/maths/breach_forecast.py): the statistics maths' public API
breaches_by_day  # unused variable (screening/statistics/maths/breach_forecast.py): the statistics maths' public API
cohen_kappa  # unused function (screening/statistics/maths/agreement.py): the statistics maths' public API
daily_throughput  # unused variable (screening/statistics/maths/breach_forecast.py): the statistics maths' public API
days_to_clear  # unused variable (screening/statistics/maths/breach_forecast.py): the statistics maths' public API
delong_auc  # unused function (screening/statistics/maths/roc.py): the statistics maths' public API
disclosed  # unused function (screening/statistics/maths/disclosure.py): the statistics maths' public API
discordance  # unused function (screening/statistics/maths/agreement.py): the statistics maths' public API
edition  # unused variable (screening/statistics/maths/standards.py): the statistics maths' public API
expected_agreement  # unused variable (screening/statistics/maths/agreement.py): the statistics maths' public API
expected_calibration_error  # unused function (screening/statistics/maths/reliability.py): the statistics maths' public API
_.false_positive_rate  # unused property (screening/statistics/maths/diagnostic_accuracy.py): the statistics maths' public API
forecast_breaches  # unused variable (screening/statistics/maths/breach_forecast.py): the statistics maths' public API
forecast_breaches_high  # unused variable (screening/statistics/maths/breach_forecast.py): the statistics maths' public API
forecast_breaches_low  # unused variable (screening/statistics/maths/breach_forecast.py): the statistics maths' public API
negative_predictive_value  # unused variable (screening/statistics/maths/diagnostic_accuracy.py): the statistics maths' public API
observed_agreement  # unused variable (screening/statistics/maths/agreement.py): the statistics maths' public API
operating_point  # unused function (screening/statistics/maths/diagnostic_accuracy.py): the statistics maths' public API
positive_predictive_value  # unused variable (screening/statistics/maths/diagnostic_accuracy.py): the statistics maths' public API
positive_rate  # unused variable (screening/statistics/maths/diagnostic_accuracy.py): the statistics maths' public API
prevalence_recalibrated  # unused function (screening/statistics/maths/reliability.py): the statistics maths' public API
rate_per_thousand  # unused function (screening/statistics/maths/proportions.py): the statistics maths' public API
reliability_bins  # unused function (screening/statistics/maths/reliability.py): the statistics maths' public API
roc_curve_points  # unused function (screening/statistics/maths/roc.py): the statistics maths' public API
standard_error  # unused variable (screening/statistics/maths/agreement.py): the statistics maths' public API
standard_rag  # unused function (screening/statistics/maths/standards.py): the statistics maths' public API
standards_for  # unused function (screening/statistics/maths/standards.py): the statistics maths' public API
threshold_decisions  # unused function (screening/statistics/maths/diagnostic_accuracy.py): the statistics maths' public API
true_positive_rate  # unused variable (screening/statistics/maths/roc.py): the statistics maths' public API
actions  # unused variable (screening/core/admin_audit.py): the Django admin reads it
password_again  # unused variable (screening/core/user_forms.py): a form field, checked in clean()
field_order  # unused variable (screening/core/user_forms.py): Django forms read it
_.identity_fields  # unused method (screening/core/user_forms.py): templates/core/users/create.html
_.role_labels  # unused property (screening/core/user_selectors.py): templates/core/users/
_.input_type  # unused attribute (screening/core/form_widgets.py: Django renders <input type=...> from it)
# Outcomes: choices people pick in forms and the API, fields the ORM and templates read by name.
PET_CT  # unused variable (screening/outcomes/models.py)
TISSUE_SAMPLING  # unused variable (screening/outcomes/models.py)
ANNUAL_SCREENING  # unused variable (screening/outcomes/models.py)
STABLE  # unused variable (screening/outcomes/models.py)
UNDER_SURVEILLANCE  # unused variable (screening/outcomes/models.py)
row_number  # unused variable (screening/outcomes/models.py; templates/outcomes/)
resolved_diagnosis  # unused variable (screening/outcomes/models.py; set by unmatched_services)
resolved_by  # unused variable (screening/outcomes/models.py; templates/outcomes/unmatched_row.html)
resolved_at  # unused variable (screening/outcomes/models.py; templates/outcomes/unmatched_row.html)
_.current_records  # unused property (templates/outcomes/episode.html)
_.recorded_via  # unused attribute (set on diagnoses before they are saved)
_.recorded_by_id  # unused attribute (set on imported diagnoses before they are saved)
corrects  # unused variable (screening/outcomes/models.py; the ORM follows it)
NEGATIVE  # unused variable (screening/outcomes/models.py)
POSITIVE  # unused variable (screening/outcomes/models.py)
NOT_ASSESSED  # unused variable (screening/outcomes/models.py)
LDCT_3_MONTHS  # unused variable (screening/outcomes/models.py)
LDCT_6_MONTHS  # unused variable (screening/outcomes/models.py)
truth_label  # unused variable (screening/outcomes/api/serializers.py)
months_to_cancer  # unused variable (screening/outcomes/episode_truth.py; the API answers it)
assessment_history  # unused variable (screening/outcomes/api/serializers.py)
pathology_history  # unused variable (screening/outcomes/api/serializers.py)
_.side_code  # unused attribute (templates/outcomes/episode.html)
_.side_label  # unused attribute (templates/outcomes/episode.html)
withheld_reason  # unused variable (screening/inference_jobs/result_selectors.py): read by the study AI panel template
counts_more  # unused variable (screening/reading/api/serializers.py): a serializer field, filled by the API view
actor_name  # unused variable (screening/imaging/models.py): the match history's template shows it
confirm  # unused variable (screening/imaging/reconciliation_forms.py): read from cleaned_data
changed_by  # unused variable (screening/campaigns/api/serializers.py): an API field
settings_history  # unused variable (screening/campaigns/api/serializers.py): an API field
_.reading_policy_label  # unused property (screening/campaigns/models.py): used by templates
_.described  # unused property (screening/campaigns/models.py): used by the campaign page
oldest_days  # unused variable (screening/statistics/backlog_selectors.py: the dashboard template and BacklogOutput)
mean_daily_results  # unused variable (screening/statistics/backlog_selectors.py: the dashboard template and BacklogOutput)
_.script_id  # unused property (screening/statistics/dashboard_charts.py: templates/statistics/dashboard.html)
sites  # unused variable (screening/statistics/kpi_scope.py: templates/statistics/dashboard.html)
PlotlyJsFinder  # unused class (screening/statistics/plotly_static.py: STATICFILES_FINDERS in settings)
_.prefix  # unused attribute (screening/statistics/plotly_static.py: read by collectstatic)
# KPI facts and counts: columns written and read by SQL by name (screening/statistics/kpi_facts_services.py)
imaged_on  # unused variable (screening/statistics/models.py)
imaged_month  # unused variable (screening/statistics/models.py)
technical_recall  # unused variable (screening/statistics/models.py)
resulted  # unused variable (screening/statistics/models.py)
within_standard  # unused variable (screening/statistics/models.py)
with_result  # unused variable (screening/statistics/models.py)
recalled  # unused variable (screening/statistics/models.py)
technical_recalls  # unused variable (screening/statistics/models.py)
invited_month  # unused variable (screening/statistics/models.py)
interval_band  # unused variable (screening/statistics/models.py: read by outcome_fact_selectors by name)
band_0_12_ends_on  # unused variable (screening/statistics/models.py: read by outcome_fact_selectors by name)
band_12_24_ends_on  # unused variable (screening/statistics/models.py: read by outcome_fact_selectors by name)
band_24_36_ends_on  # unused variable (screening/statistics/models.py: read by outcome_fact_selectors by name)
# SQL functions: Django calls as_<vendor> when it compiles them (screening/statistics/outcome_facts.py)
_.as_postgresql  # unused method
_.as_sqlite  # unused method
truncated  # unused variable (screening/statistics/drilldown_selectors.py: templates/statistics/drilldown.html)
_.output_field  # unused attribute (screening/statistics/outcome_facts.py: a Func's type, read by Django)
cancer_kind  # unused variable (screening/statistics/models.py, accuracy_rows.py): counted by name in SQL and by the tests' reference
ai_model  # unused variable (screening/statistics/models.py): the facts' AI columns, read by name (accuracy_counts.py)
first_reader  # unused variable (screening/statistics/models.py): the facts' read columns, read by name (accuracy_counts.py)
first_call  # unused variable (screening/statistics/models.py)
first_ai_shown  # unused variable (screening/statistics/models.py)
first_category  # unused variable (screening/statistics/models.py)
second_reader  # unused variable (screening/statistics/models.py)
second_call  # unused variable (screening/statistics/models.py)
second_ai_shown  # unused variable (screening/statistics/models.py)
second_category  # unused variable (screening/statistics/models.py)
arbitration_reader  # unused variable (screening/statistics/models.py)
arbitration_call  # unused variable (screening/statistics/models.py)
arbitration_ai_shown  # unused variable (screening/statistics/models.py)
arbitration_category  # unused variable (screening/statistics/models.py)
_.PatientIdentityRemoved  # unused attribute (screening/research/deid/deidentify.py)
_.DeidentificationMethod  # unused attribute (screening/research/deid/deidentify.py)
_.DeidentificationMethodCodeSequence  # unused attribute (screening/research/deid/deidentify.py)
_.LongitudinalTemporalInformationModified  # unused attribute (screening/research/deid/deidentify.py)
_.ImplementationVersionName  # unused attribute (screening/research/deid/deidentify.py)
scan_for_canaries  # the research export's package check calls it (screening/research/deid/canary_scan.py)
writable  # io.RawIOBase asks it of the zip stream that hashes and scans (screening/research/package_files.py)
heatmap_secondary_capture  # the research export writes heat maps with it (screening/research/deid/heatmap_capture.py)
_.ConversionType  # unused attribute (screening/research/deid/heatmap_capture.py)
_.DerivationDescription  # unused attribute (screening/research/deid/heatmap_capture.py)
_.SourceImageSequence  # unused attribute (screening/research/deid/heatmap_capture.py)
# Research exports: fields read by templates/research/*.html and ExportOutput, written by export_runner
requested_by  # unused variable (screening/research/models.py, api/serializers.py)
participants_included  # unused variable (screening/research/models.py: templates/research/detail.html)
studies_included  # unused variable (screening/research/models.py: templates/research/detail.html)
package_bytes  # unused variable (screening/research/models.py: templates/research/detail.html)
expires_at  # unused variable (screening/research/models.py: templates/research/detail.html)
download_url  # unused variable (screening/research/api/serializers.py: DRF's get_download_url)
_.held_since_withdrawal  # unused property (screening/research/export_selectors.py: templates/research/_participant_exports.html)
secret_weakness  # unused function (screening/config/settings/production.py, excluded from vulture)
authenticate_credentials  # unused method (screening/core/api_token_auth.py, called by DRF)
revoked_by  # unused variable (screening/core/models.py, shown on the API tokens page and the admin's)
end_reason  # unused variable (screening/core/models.py, shown on the API tokens page)
_.maximum_associations  # unused attribute (screening/imaging/dicom_listener.py): read by pynetdicom
daemon_threads  # unused variable (screening/imaging/listener_admission.py): read by socketserver
verify_request  # unused method (screening/imaging/listener_admission.py): called by socketserver
_.require_called_aet  # unused attribute (screening/imaging/dicom_listener.py): read by pynetdicom
_.STORE_RECV_CHUNKED_DATASET  # unused attribute (screening/imaging/dicom_listener.py): read by pynetdicom
_.reason_diagnostic  # unused attribute (screening/imaging/listener_receive.py): encoded by pynetdicom
# The API schema: drf-spectacular calls these (screening/reading/api/views.py OnePageSchema)
_is_list_view  # unused method (drf_spectacular AutoSchema override)
_.schema  # unused variable (a DRF view's schema, read by drf-spectacular)
error_responses  # drf-spectacular's POSTPROCESSING_HOOKS calls it (screening/config/api_schema.py)
_.RequestedProcedureID  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
_.RequestedProcedureDescription  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
_.ScheduledStationAETitle  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
_.ScheduledProcedureStepStartDate  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
_.ScheduledProcedureStepStartTime  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
_.ScheduledPerformingPhysicianName  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
_.ScheduledProcedureStepID  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
_.ScheduledProcedureStepDescription  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
_.ScheduledProcedureStepSequence  # unused attribute (screening/imaging/worklist_selectors.py): a modality worklist item, encoded by pynetdicom
# Promotion: Django reads the managers' names; templates/promotion/*.html read the comparison's fields
default_manager_name  # unused variable (screening/inference_jobs/models.py: read by Django)
base_manager_name  # unused variable (screening/inference_jobs/models.py: read by Django)
false_flags  # unused variable (screening/promotion/comparison_figures.py: templates/promotion/comparison.html)
without_cancer  # unused variable (screening/promotion/comparison_figures.py: templates/promotion/comparison.html)
scatter  # unused variable (screening/promotion/comparison_figures.py: templates/promotion/comparison.html)
active_outcome  # unused variable (screening/promotion/comparison_figures.py: templates/promotion/comparison.html)
shadow_outcome  # unused variable (screening/promotion/comparison_figures.py: templates/promotion/comparison.html)
_.shown_studies  # unused property (screening/promotion/comparison_figures.py: templates/promotion/comparison.html)
_.shown_cancers  # unused property (screening/promotion/comparison_figures.py: templates/promotion/comparison.html)
active_card  # unused variable (screening/promotion/comparison_selectors.py: templates/promotion/comparison.html)
shadow_card  # unused variable (screening/promotion/comparison_selectors.py: templates/promotion/comparison.html)
# AI monitoring: alert fields shown on templates/monitoring/overview.html and by the API serializers
raised_at  # unused variable (screening/monitoring/models.py)
last_seen_at  # unused variable (screening/monitoring/models.py)
acknowledged_by  # unused variable (screening/monitoring/models.py)
acknowledged_at  # unused variable (screening/monitoring/models.py)
acknowledgement_note  # unused variable (screening/monitoring/models.py)
closed_by  # unused variable (screening/monitoring/models.py)
closed_at  # unused variable (screening/monitoring/models.py)
close_note  # unused variable (screening/monitoring/models.py)
expected_delay  # unused variable (screening/monitoring/api/serializers.py, a DRF field)
cusum  # unused variable (screening/monitoring/api/serializers.py, a DRF field)
_.delay_weeks  # unused property (screening/monitoring/outcome_cusum.py: templates/monitoring/overview.html)
ks_statistic  # unused function (screening/statistics/maths/drift.py): the exact two-sample KS the tests and the bench check the binned one against
_.is_probability  # unused property (screening/inference_jobs/score_presentation.py: templates/inference_jobs/_study_ai_panel.html)
# Results to the PACS: DICOM attributes set for the receiving PACS (screening/outbound/*)
_.CodingSchemeName  # unused attribute (screening/outbound/sr_evidence.py)
_.CodingSchemeResponsibleOrganization  # unused attribute (screening/outbound/sr_evidence.py)
_.CodingSchemeIdentificationSequence  # unused attribute (screening/outbound/sr_evidence.py)
_.ContentSequence  # unused attribute (screening/outbound/episode_report_sr.py)
_.VerifyingObserverSequence  # unused attribute (screening/outbound/episode_report_sr.py)
_.VerifyingObserverName  # unused attribute (screening/outbound/episode_report_sr.py)
_.VerifyingObserverIdentificationCodeSequence  # unused attribute (screening/outbound/episode_report_sr.py)
_.VerifyingOrganization  # unused attribute (screening/outbound/episode_report_sr.py)
_.VerificationDateTime  # unused attribute (screening/outbound/episode_report_sr.py)
_.ReferencedFrameNumber  # unused attribute (screening/outbound/heatmap_capture.py)
_.BurnedInAnnotation  # unused attribute (screening/outbound/heatmap_capture.py)
_.ImageType  # unused attribute (screening/outbound/heatmap_capture.py)
_.PatientOrientation  # unused attribute (screening/outbound/heatmap_capture.py)
_.IssuerOfPatientID  # unused attribute (screening/outbound/sr_evidence.py)
# Outbound jobs: fields shown on templates/outbound/console.html and kept for the PACS's answer
sent_at  # unused variable (screening/outbound/models.py: templates/outbound/console.html)
sop_instance_uids  # unused variable (screening/outbound/models.py: predecessors of a report, tests)
detection_rate  # unused variable (screening/policies/policy_figures.py: read by templates and the API's serializer)
applied_by  # unused variable (screening/policies/models.py: read by the scenario page and serializer)
applications  # unused variable (screening/policies/api/serializers.py: the related name, serialized)
redirect_request  # unused method (screening/inference_jobs/worker_files.py: urllib's redirect handler calls it)
service_actions  # unused method (screening/imaging/listener_admission.py): called by socketserver's accept loop
